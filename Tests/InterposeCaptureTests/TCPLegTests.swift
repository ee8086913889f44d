import InterposeCore
import XCTest

@testable import InterposeCapture

/// Records what a `TCPLeg` emits, for checks without any file.
final class RecordingEmitter: TCPSegmentEmitter {
    struct Emitted {
        var segment: TCPSegment
        var payloadLength: Int
        var comment: String?
    }

    var emitted: [Emitted] = []

    func emit(_ segment: TCPSegment, payload: UnsafeRawBufferPointer, comment: String?, at timestamp: Timestamp) {
        emitted.append(Emitted(segment: segment, payloadLength: payload.count, comment: comment))
    }
}

final class TCPLegTests: XCTestCase {
    private let time = Timestamp(nanosecondsSinceEpoch: 1_700_000_000_000_000_001)

    private func makeLeg(_ client: String = "127.0.0.1:5000", _ server: String = "127.0.0.1:6000") -> TCPLeg {
        TCPLeg(
            interfaceID: 0, client: Endpoint(client)!, server: Endpoint(server)!,
            macs: DirectionPair(clientToServer: 1, serverToClient: 2),
            initialSequence: DirectionPair(clientToServer: 1000, serverToClient: UInt32.max - 10), initialIPID: 7)
    }

    private func send(_ leg: inout TCPLeg, _ count: Int, from direction: Direction, into emitter: RecordingEmitter) {
        let bytes = [UInt8](repeating: 0xAB, count: count)
        bytes.withUnsafeBytes { leg.send($0, from: direction, at: time, into: emitter) }
    }

    func testHandshakeNumbersAndOptions() {
        var leg = makeLeg()
        let emitter = RecordingEmitter()
        leg.handshake(comment: "listener main", at: time, into: emitter)
        let segments = emitter.emitted.map(\.segment)
        XCTAssertEqual(segments.map(\.flags), [.syn, [.syn, .ack], .ack])
        XCTAssertEqual(segments.map(\.sequenceNumber), [1000, UInt32.max - 10, 1001])
        XCTAssertEqual(segments.map(\.acknowledgementNumber), [0, 1001, UInt32.max - 9])
        XCTAssertEqual(segments.map(\.handshakeOptions), [true, true, false])
        XCTAssertEqual(emitter.emitted[0].comment, "listener main")
        XCTAssertEqual(segments.map(\.ipID), [7, 7 &+ 0x5555, 8])
    }

    func testOversizedIPv4PayloadIsSplitAtIPLimitWithPushOnLast() {
        var leg = makeLeg()
        let emitter = RecordingEmitter()
        leg.handshake(comment: nil, at: time, into: emitter)
        emitter.emitted = []
        send(&leg, 65_495 * 2 + 5, from: .clientToServer, into: emitter)
        let data = emitter.emitted.filter { $0.payloadLength > 0 }
        XCTAssertEqual(data.map(\.payloadLength), [65_495, 65_495, 5])
        XCTAssertEqual(data.map { $0.segment.flags.contains(.psh) }, [false, false, true])
        XCTAssertEqual(data.map(\.segment.sequenceNumber), [1001, 1001 + 65_495, 1001 + 2 * 65_495])
        XCTAssertEqual(leg.nextSequence.clientToServer, 1001 + UInt32(65_495 * 2 + 5))
    }

    func testOversizedIPv6PayloadIsSplitAtIPLimit() {
        var leg = makeLeg("[::1]:5000", "[::1]:6000")
        let emitter = RecordingEmitter()
        send(&leg, 65_516, from: .serverToClient, into: emitter)
        XCTAssertEqual(emitter.emitted.filter { $0.payloadLength > 0 }.map(\.payloadLength), [65_515, 1])
    }

    func testMixedFamiliesUseIPv4MappedIPv6() {
        let leg = makeLeg("127.0.0.1:5000", "[::1]:6000")
        XCTAssertEqual(leg.endpoints.clientToServer.address.description, "::ffff:127.0.0.1")
        XCTAssertEqual(leg.maximumPayload, 65_515)
    }

    func testSequenceNumbersWrapAround() {
        var leg = makeLeg()
        let emitter = RecordingEmitter()
        leg.handshake(comment: nil, at: time, into: emitter)
        send(&leg, 100, from: .serverToClient, into: emitter)
        XCTAssertEqual(leg.nextSequence.serverToClient, UInt32.max - 9 &+ 100)
        send(&leg, 1, from: .clientToServer, into: emitter)
        XCTAssertEqual(emitter.emitted.last?.segment.acknowledgementNumber, UInt32.max - 9 &+ 100)
    }

    func testReceiverAcksEvery256KiBAndNeverDuplicates() {
        var leg = makeLeg()
        let emitter = RecordingEmitter()
        leg.handshake(comment: nil, at: time, into: emitter)
        emitter.emitted = []
        for _ in 0..<64 { send(&leg, 65_536, from: .clientToServer, into: emitter) }
        let pureAcks = emitter.emitted.filter { $0.segment.source.port == 6000 }
        XCTAssertEqual(pureAcks.count, 16)  // 4 MiB / 256 KiB
        let acks = pureAcks.map(\.segment.acknowledgementNumber)
        XCTAssertEqual(Set(acks).count, acks.count, "an ACK number repeats: duplicate ACK")
        // Never more than 256 KiB plus one segment outstanding.
        var lastAck = UInt32(1001)
        for item in emitter.emitted {
            if item.segment.source.port == 6000 {
                lastAck = item.segment.acknowledgementNumber
            } else {
                XCTAssertLessThan(item.segment.sequenceNumber &- lastAck, 256 * 1024 + 65_536)
            }
        }
    }

    func testFinishClientFirstThenGracefulClose() {
        var leg = makeLeg()
        let emitter = RecordingEmitter()
        leg.handshake(comment: nil, at: time, into: emitter)
        emitter.emitted = []
        leg.finish(.clientToServer, at: time, into: emitter)
        send(&leg, 10, from: .serverToClient, into: emitter)
        leg.finish(.serverToClient, at: time, into: emitter)
        leg.closeGracefully(comment: "done", at: time, into: emitter)
        let summary = emitter.emitted.map { ($0.segment.source.port, $0.segment.flags, $0.payloadLength) }
        XCTAssertEqual(summary.map(\.0), [5000, 6000, 6000, 6000, 5000])
        XCTAssertEqual(summary.map(\.1), [[.fin, .ack], .ack, [.ack, .psh], [.fin, .ack], .ack])
        let final = emitter.emitted.last!
        XCTAssertEqual(final.comment, "done")
        XCTAssertEqual(final.segment.sequenceNumber, 1002)  // after the client's FIN
        XCTAssertEqual(final.segment.acknowledgementNumber, UInt32.max - 9 &+ 10 &+ 1)  // server's FIN
    }

    func testGracefulCloseWithoutFinishesSynthesizesBoth() {
        var leg = makeLeg()
        let emitter = RecordingEmitter()
        leg.handshake(comment: nil, at: time, into: emitter)
        emitter.emitted = []
        leg.closeGracefully(comment: nil, at: time, into: emitter)
        XCTAssertEqual(emitter.emitted.map(\.segment.flags), [[.fin, .ack], .ack, [.fin, .ack], .ack])
    }

    func testResetComesFromItsSenderWithComment() {
        var leg = makeLeg()
        let emitter = RecordingEmitter()
        leg.handshake(comment: nil, at: time, into: emitter)
        send(&leg, 3, from: .clientToServer, into: emitter)
        leg.reset(by: .serverToClient, comment: "reset by upstream", at: time, into: emitter)
        let reset = emitter.emitted.last!
        XCTAssertEqual(reset.segment.flags, [.rst, .ack])
        XCTAssertEqual(reset.segment.source.port, 6000)
        XCTAssertEqual(reset.segment.acknowledgementNumber, 1004)
        XCTAssertEqual(reset.comment, "reset by upstream")
    }

    func testSkippedBytesJumpTheSequenceAndAreNoted() {
        var leg = makeLeg()
        let emitter = RecordingEmitter()
        leg.handshake(comment: nil, at: time, into: emitter)
        send(&leg, 10, from: .clientToServer, into: emitter)
        leg.skip(500, from: .clientToServer)
        send(&leg, 10, from: .clientToServer, into: emitter)
        let last = emitter.emitted.last!
        XCTAssertEqual(last.segment.sequenceNumber, 1001 + 10 + 500)
        XCTAssertEqual(last.comment, "capture dropped 500 bytes here (queue full)")
    }
}
