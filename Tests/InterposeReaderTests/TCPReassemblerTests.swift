import InterposeCapture
import InterposeCore
import InterposeReader
import XCTest

/// Conversations from segments: roles, states, port reuse, findings.
final class TCPReassemblerTests: XCTestCase {
    private let client = Endpoint(address: IPAddress(v4: 0x0A00_0001), port: 51000)
    private let server = Endpoint(address: IPAddress(v4: 0x0A00_0002), port: 80)
    private var reassembler = TCPReassembler()
    private var consumer = RecordingConsumer()
    private var packet = 0

    override func setUp() {
        reassembler = TCPReassembler()
        consumer = RecordingConsumer()
        packet = 0
    }

    private func send(
        _ from: Endpoint, _ to: Endpoint, seq: UInt32, ack: UInt32 = 0, _ flags: TCPFlags, _ text: String = ""
    ) {
        packet += 1
        Array(text.utf8).withUnsafeBytes { payload in
            let segment = TCPSegment(
                source: from, destination: to, sequence: seq, acknowledgment: ack,
                flags: flags.union(ack == 0 ? [] : .ack), payload: payload)
            reassembler.process(
                segment, timestamp: Timestamp(nanosecondsSinceEpoch: Int64(packet) * 1000), packet: packet,
                into: &consumer)
        }
    }

    private func handshake(clientISN: UInt32 = 100, serverISN: UInt32 = 500) {
        send(client, server, seq: clientISN, .syn)
        send(server, client, seq: serverISN, ack: clientISN + 1, [.syn, .ack])
        send(client, server, seq: clientISN + 1, ack: serverISN + 1, [])
    }

    func testHandshakeTellsClientFromServerAndBothFinsMakeItComplete() {
        handshake()
        send(client, server, seq: 101, ack: 501, .psh, "GET /")
        send(server, client, seq: 501, ack: 106, .psh, "200 OK")
        send(client, server, seq: 106, ack: 507, .fin)
        send(server, client, seq: 507, ack: 107, .fin)
        send(client, server, seq: 107, ack: 508, [])
        reassembler.finish(into: &consumer)
        XCTAssertEqual(consumer.summaries.count, 1)
        let summary = consumer.summaries[0]
        XCTAssertEqual(summary.descriptor.client, client)
        XCTAssertEqual(summary.state, .complete)
        XCTAssertEqual(summary.toServer.bytes, 5)
        XCTAssertEqual(summary.toClient.bytes, 6)
        XCTAssertEqual(consumer.events(summary.id, .clientToServer), ["open", "data:5", "finish", "close"])
        XCTAssertEqual(consumer.events(summary.id, .serverToClient), ["data:6", "finish"])
        XCTAssertEqual(consumer.findings, [])
    }

    func testSynAckSeenFirstStillMakesItsSenderTheServer() {
        send(server, client, seq: 500, ack: 101, [.syn, .ack])
        send(client, server, seq: 100, .syn)
        send(client, server, seq: 101, ack: 501, .psh, "hi")
        reassembler.finish(into: &consumer)
        XCTAssertEqual(consumer.summaries.count, 1)
        XCTAssertEqual(consumer.summaries[0].descriptor.server, server)
        XCTAssertEqual(consumer.summaries[0].state, .open)
        XCTAssertEqual(consumer.summaries[0].toServer.bytes, 2)
    }

    func testMidStreamCaptureGuessesRolesFromPortsAndIsIncomplete() {
        send(server, client, seq: 9000, ack: 7000, .psh, "response")
        send(client, server, seq: 7000, ack: 9008, .psh, "next request")
        reassembler.finish(into: &consumer)
        let summary = consumer.summaries[0]
        XCTAssertEqual(summary.descriptor.server, server)
        XCTAssertTrue(summary.rolesGuessed)
        XCTAssertEqual(summary.state, .incomplete)
        XCTAssertTrue(consumer.codes.contains("tcp.mid-stream"))
    }

    func testResetEndsTheConversationAsReset() {
        handshake()
        send(server, client, seq: 501, ack: 101, .rst)
        reassembler.finish(into: &consumer)
        XCTAssertEqual(consumer.summaries[0].state, .reset)
        XCTAssertEqual(consumer.summaries[0].resetBy, .serverToClient)
        XCTAssertEqual(consumer.events(consumer.summaries[0].id, .serverToClient), ["reset"])
    }

    func testOneFinIsHalfClosed() {
        handshake()
        send(client, server, seq: 101, ack: 501, .fin)
        send(server, client, seq: 501, ack: 102, .psh, "still talking")
        reassembler.finish(into: &consumer)
        XCTAssertEqual(consumer.summaries[0].state, .halfClosed)
        XCTAssertEqual(consumer.summaries[0].toClient.bytes, 13)
    }

    func testNewSynOnAClosedFourTupleIsANewConversation() {
        handshake(clientISN: 100)
        send(client, server, seq: 101, ack: 501, .fin)
        send(server, client, seq: 501, ack: 102, .fin)
        send(client, server, seq: 102, ack: 502, [])
        handshake(clientISN: 90_000)
        send(client, server, seq: 90_001, ack: 501, .psh, "again")
        reassembler.finish(into: &consumer)
        XCTAssertEqual(consumer.summaries.map(\.id.rawValue), [1, 2])
        XCTAssertEqual(consumer.summaries.map(\.state), [.complete, .open])
        XCTAssertEqual(consumer.summaries[1].toServer.bytes, 5)
    }

    func testRetransmittedSynIsTheSameConversation() {
        send(client, server, seq: 100, .syn)
        send(client, server, seq: 100, .syn)
        send(server, client, seq: 500, ack: 101, [.syn, .ack])
        reassembler.finish(into: &consumer)
        XCTAssertEqual(consumer.summaries.count, 1)
    }

    func testGapIsAFindingWithItsSizeAndMakesTheConversationIncomplete() {
        handshake()
        send(client, server, seq: 101, ack: 501, .psh, "aaaa")
        send(client, server, seq: 109, ack: 501, .psh, "cccc")
        send(server, client, seq: 501, ack: 113, [])
        reassembler.finish(into: &consumer)
        let gap = consumer.findings.first { $0.code == "tcp.gap" }
        XCTAssertEqual(gap?.severity, .warning)
        XCTAssertEqual(gap?.frame, 5, "the first packet after the hole")
        XCTAssertTrue(gap?.message.hasPrefix("4 bytes missing client->server") ?? false, "\(String(describing: gap))")
        XCTAssertEqual(consumer.summaries[0].state, .incomplete)
        XCTAssertEqual(
            consumer.events(consumer.summaries[0].id, .clientToServer), ["open", "data:4", "gap:4", "data:4", "close"])
    }

    func testGapFindingsAreCappedPerConnectionAndTheRestCounted() {
        reassembler = TCPReassembler(
            settings: {
                var s = TCPReassembler.Settings(); s.findingsPerConnection = 2; return s
            }())
        handshake()
        for i in 0..<5 { send(client, server, seq: 101 + UInt32(i) * 10, ack: 501, .psh, "x") }
        reassembler.finish(into: &consumer)
        let gaps = consumer.findings.filter { $0.code == "tcp.gap" }
        XCTAssertEqual(gaps.count, 3)
        XCTAssertTrue(gaps[2].message.hasPrefix("2 more gaps"), gaps[2].message)
    }
}
