import InterposeCore
import InterposeReader
import InterposeReplay
import NIOCore
import XCTest

/// How the plan orders conversations, from frames alone: one the client was done with before the
/// next began runs before it, even when the server's FIN came later; an idle one held open beside
/// others stays concurrent with them.
final class ReplayPlanOrderTests: XCTestCase {
    private var planner = ReplayPlanner()

    private func endpoint(_ port: UInt16) -> Endpoint { Endpoint(address: IPAddress(v4: 0x7F00_0001), port: port) }

    private func open(_ id: UInt64, at ms: Double) {
        planner.connectionOpened(
            ConnectionDescriptor(id: ConnectionID(id), client: endpoint(UInt16(40_000 + id)), server: endpoint(6379)),
            at: at(ms))
    }

    private func at(_ ms: Double) -> Timestamp { Timestamp(nanosecondsSinceEpoch: 1_000_000_000 + Int64(ms * 1e6)) }

    private func frame(_ id: UInt64, _ direction: Direction, _ event: Frame.Event, at ms: Double) {
        planner.consume(Frame(connection: ConnectionID(id), direction: direction, timestamp: at(ms), event: event))
    }

    private func data(_ text: String) -> Frame.Event { .data(ByteBuffer(string: text)) }

    private func close(_ id: UInt64, from: Double, at ms: Double) {
        let descriptor = ConnectionDescriptor(
            id: ConnectionID(id), client: endpoint(UInt16(40_000 + id)), server: endpoint(6379))
        planner.connectionClosed(
            ConnectionSummary(
                descriptor: descriptor, state: .complete, start: at(from), end: at(ms), firstPacket: 1,
                toServer: StreamStatistics(), toClient: StreamStatistics(), packetsToServer: 1, packetsToClient: 1,
                rolesGuessed: false, sawSyn: true, sawSynAck: true, resetBy: nil))
    }

    func testAConnectionTheClientClosedBeforeTheNextBeganIsReplayedBeforeIt() {
        // 1: PING, +PONG, client FIN at 10 ms; the server's FIN only at 10.5 ms.
        open(1, at: 0)
        frame(1, .clientToServer, data("*1\r\n$4\r\nPING\r\n"), at: 1)
        frame(1, .serverToClient, data("+PONG\r\n"), at: 2)
        frame(1, .clientToServer, .finish, at: 10)
        // 2 opens at 10.2 ms, while the server's FIN for 1 is still on its way.
        open(2, at: 10.2)
        frame(2, .clientToServer, data("*1\r\n$4\r\nPING\r\n"), at: 10.3)
        frame(1, .serverToClient, .finish, at: 10.5)
        close(1, from: 0, at: 10.5)
        frame(2, .serverToClient, data("+PONG\r\n"), at: 10.6)
        frame(2, .clientToServer, .finish, at: 11)
        frame(2, .serverToClient, .finish, at: 11.1)
        close(2, from: 10.2, at: 11.1)
        let plan = planner.plan()
        XCTAssertEqual(plan.conversations.map(\.recorded.descriptor.id), [ConnectionID(1), ConnectionID(2)])
        XCTAssertEqual(plan.mustFollow, [0, 1], "2 began after the client was done with 1")
    }

    func testAnIdleConnectionHeldOpenBesideOthersStaysConcurrent() {
        // 1 opens first, sends one command, then idles until the very end (a pooled connection).
        open(1, at: 0)
        frame(1, .clientToServer, data("*1\r\n$4\r\nPING\r\n"), at: 0.5)
        frame(1, .serverToClient, data("+PONG\r\n"), at: 0.6)
        open(2, at: 1)
        frame(2, .clientToServer, data("*1\r\n$4\r\nPING\r\n"), at: 1.1)
        frame(2, .serverToClient, data("+PONG\r\n"), at: 1.2)
        frame(2, .clientToServer, .finish, at: 2)
        frame(2, .serverToClient, .finish, at: 2.1)
        close(2, from: 1, at: 2.1)
        frame(1, .clientToServer, .finish, at: 50)
        frame(1, .serverToClient, .finish, at: 50.1)
        close(1, from: 0, at: 50.1)
        let plan = planner.plan()
        XCTAssertEqual(plan.mustFollow, [0, 0], "2 overlaps 1, which was still open and used later")
    }

    func testDataAfterAHalfCloseKeepsTheConversationInUse() {
        // 1: the client sends and half-closes at once; the answer comes after; 2 begins in between.
        open(1, at: 0)
        frame(1, .clientToServer, data("*1\r\n$4\r\nPING\r\n"), at: 0.1)
        frame(1, .clientToServer, .finish, at: 0.2)
        open(2, at: 1)
        frame(1, .serverToClient, data("+PONG\r\n"), at: 5)
        frame(1, .serverToClient, .finish, at: 5.1)
        close(1, from: 0, at: 5.1)
        frame(2, .clientToServer, data("*1\r\n$4\r\nPING\r\n"), at: 6)
        frame(2, .serverToClient, data("+PONG\r\n"), at: 6.1)
        close(2, from: 1, at: 7)
        XCTAssertEqual(planner.plan().mustFollow, [0, 0], "1 still answered after 2 began: concurrent")
    }
}
