import InterposeCore
import NIOCore
import XCTest

@testable import InterposeReplay

/// The order of writes across overlapping conversations, without sockets.
final class WriteOrderTests: XCTestCase {
    /// A plan of conversations whose writes were recorded at these times (milliseconds since the
    /// capture began; each conversation begins at its first write).
    /// `answered`: per conversation, when its first write was answered.
    private func plan(_ writes: [[Double]], answered: [Int: Double] = [:]) -> ReplayPlan {
        let conversations = writes.enumerated().map { index, times in
            let start = Int64(times[0] * 1e6)
            let descriptor = ConnectionDescriptor(
                id: ConnectionID(UInt64(index + 1)),
                client: Endpoint(address: IPAddress(v4: 0x7F00_0001), port: UInt16(40_000 + index)),
                server: Endpoint(address: IPAddress(v4: 0x7F00_0001), port: 6379))
            var recorded = RecordedConversation(descriptor: descriptor, start: Timestamp(nanosecondsSinceEpoch: start))
            if let at = answered[index] {
                var exchange = ReplayFixtures.exchange(
                    .redis, response: Array("+PONG\r\n".utf8), latency: Int64((at - times[0]) * 1e6))
                exchange.start = Timestamp(nanosecondsSinceEpoch: start)
                recorded.exchanges = [exchange]
            }
            return PlannedConversation(
                recorded: recorded,
                application: .redis, startOffset: start, endOffset: Int64(times.last! * 1e6) + 1,
                steps: times.map {
                    ReplayStep(
                        bytes: ByteBuffer(string: "PING"), offset: Int64($0 * 1e6) - start, awaitResponses: 0,
                        awaitServerBytes: 0, awaitedAt: 0)
                }, ending: .open, responses: 0, serverBytes: 0)
        }
        return ReplayPlan(conversations: conversations)
    }

    func testAWriteWaitsForWhatARunningConversationSentWellBeforeIt() {
        let order = WriteOrder(plan: plan([[0, 100], [50]]))
        order.started(0)
        order.started(1)
        let woken = Counter()
        XCTAssertFalse(order.mayWrite(1, step: 0, now: 0) { woken.add() } == .go, "0's write at 0 ms is not sent yet")
        XCTAssertTrue(order.mayWrite(0, step: 0, now: 0) { XCTFail("0 waits for nobody") } == .go)
        order.wrote(0)
        XCTAssertEqual(woken.value, 1, "the waiting conversation is called back")
        XCTAssertTrue(order.mayWrite(1, step: 0, now: 0) { XCTFail() } == .go, "0's write at 100 ms comes after")
        XCTAssertFalse(order.mayWrite(0, step: 1, now: 0) {} == .go, "1's write at 50 ms goes first")
        order.wrote(1)
        XCTAssertTrue(order.mayWrite(0, step: 1, now: 0) { XCTFail() } == .go)
    }

    func testWritesCloserThanTheSeparationRaceAsTheyDidInTheRecording() {
        let order = WriteOrder(plan: plan([[0], [5]]))
        order.started(0)
        order.started(1)
        XCTAssertTrue(
            order.mayWrite(1, step: 0, now: 0) { XCTFail() } == .go, "5 ms apart is within \(WriteOrder.separation) ns")
    }

    func testAConversationNotStartedOrEndedHoldsNobodyBack() {
        let order = WriteOrder(plan: plan([[0, 10], [50]]))
        order.started(1)
        XCTAssertTrue(order.mayWrite(1, step: 0, now: 0) { XCTFail() } == .go, "0 has not started")
        order.started(0)
        let woken = Counter()
        XCTAssertFalse(order.mayWrite(1, step: 0, now: 0) { woken.add() } == .go)
        order.ended(0)
        XCTAssertEqual(woken.value, 1, "an end wakes the waiting")
        XCTAssertTrue(order.mayWrite(1, step: 0, now: 0) { XCTFail() } == .go, "0 ended without sending")
    }

    func testAWriteWaitsForTheAnswersAnotherConversationHadAndNoWaitIsEndless() {
        // 0 wrote at 0 ms and was answered at 20 ms; 1 writes at 50 ms.
        let order = WriteOrder(plan: plan([[0], [50]], answered: [0: 20]))
        order.started(0)
        order.started(1)
        let limit = WriteOrder.longestWait
        XCTAssertEqual(order.mayWrite(1, step: 0, now: 0) {}, .wait(until: limit), "0 has not written")
        order.wrote(0)
        let woken = Counter()
        XCTAssertEqual(order.mayWrite(1, step: 0, now: 1_000) { woken.add() }, .wait(until: limit), "since 0")
        XCTAssertEqual(
            order.mayWrite(1, step: 0, now: 2_000) { woken.add() }, .wait(until: limit), "same start")
        order.answered(0, count: 1)
        XCTAssertEqual(woken.value, 1)
        XCTAssertEqual(order.mayWrite(1, step: 0, now: 3_000) {}, .go)

        // Unanswered for the whole limit (a lock the other holds): the write goes anyway.
        let stuck = WriteOrder(plan: plan([[0], [50]], answered: [0: 20]))
        stuck.started(0)
        stuck.started(1)
        stuck.wrote(0)
        XCTAssertEqual(stuck.mayWrite(1, step: 0, now: 0) {}, .wait(until: limit))
        XCTAssertEqual(stuck.mayWrite(1, step: 0, now: limit) {}, .go)
    }
}

private final class Counter: @unchecked Sendable {
    private(set) var value = 0
    func add() { value += 1 }
}
