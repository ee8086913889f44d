import InterposeCapture
import InterposeCore
import NIOCore
import XCTest

@testable import InterposeReader

/// One direction's reassembly as a pure value: segments in, data, gaps and FIN out.
final class TCPStreamReassemblerTests: XCTestCase {
    private var stream = TCPStreamReassembler()
    private var events: [StreamEvent] = []
    private var packet = 0

    override func setUp() {
        stream = TCPStreamReassembler()
        stream.start(at: 1000)
        events = []
        packet = 0
    }

    private func send(_ sequence: UInt32, _ text: String, finish: Bool = false, missing: Int = 0) {
        packet += 1
        Array(text.utf8).withUnsafeBytes { payload in
            stream.segment(
                sequence: sequence, payload: payload, missing: missing, finish: finish,
                timestamp: Timestamp(nanosecondsSinceEpoch: Int64(packet)), packet: packet, into: &events)
        }
    }

    private func ack(_ number: UInt32) {
        packet += 1
        stream.peerAcknowledged(
            number, timestamp: Timestamp(nanosecondsSinceEpoch: Int64(packet)), packet: packet, into: &events)
    }

    private func close() {
        stream.close(timestamp: Timestamp(nanosecondsSinceEpoch: 0), packet: 0, into: &events)
    }

    /// The events as words: `data:hello`, `gap:3`, `finish`, `mismatch@4`.
    private var words: [String] {
        events.map { event in
            switch event {
            case .data(let buffer, _, _): return "data:" + String(decoding: buffer.readableBytesView, as: UTF8.self)
            case .gap(let size, _, _, _, _): return "gap:\(size)"
            case .finish: return "finish"
            case .overlapMismatch(let offset, _, _, _): return "mismatch@\(offset)"
            }
        }
    }

    func testInOrderSegmentsAreDeliveredAtOnceAndFinFollowsTheData() {
        send(1000, "hello ")
        send(1006, "world", finish: true)
        XCTAssertEqual(words, ["data:hello ", "data:world", "finish"])
        XCTAssertEqual(stream.statistics.bytes, 11)
    }

    func testIdenticalRetransmissionIsCountedNotDelivered() {
        send(1000, "hello")
        send(1000, "hello")
        XCTAssertEqual(words, ["data:hello"])
        XCTAssertEqual(stream.statistics.retransmissions, 1)
        XCTAssertEqual(stream.statistics.overlapMismatches, 0)
    }

    func testOverlapWithDifferentBytesIsReportedAndTheFirstCopyWins() {
        send(1000, "hello")
        send(1002, "LLo world")
        XCTAssertEqual(words, ["data:hello", "mismatch@2", "data: world"])
        XCTAssertEqual(stream.statistics.overlapMismatches, 1)
    }

    func testOutOfOrderSegmentsArePutBackInOrder() {
        send(1005, "world")
        XCTAssertEqual(words, [])
        send(1000, "hello")
        XCTAssertEqual(words, ["data:hello", "data:world"])
        XCTAssertEqual(stream.statistics.outOfOrderSegments, 1)
        XCTAssertEqual(stream.statistics.gaps, 0)
    }

    func testAcknowledgedHoleBecomesAGapWhenItsBytesAreLate() {
        stream = TCPStreamReassembler(settings: .init(lateSegments: 2))
        stream.start(at: 1000)
        send(1000, "abc")
        send(1010, "xyz")
        ack(1013)
        XCTAssertEqual(words, ["data:abc"], "a capture can show the ACK before the data it acknowledges")
        send(1013, "1")
        send(1014, "2")
        XCTAssertEqual(words, ["data:abc", "gap:7", "data:xyz", "data:1", "data:2"])
        XCTAssertEqual(stream.statistics.gapBytes, 7)
    }

    func testDataArrivingAfterItsAcknowledgementStillFillsTheHole() {
        send(1000, "abc")
        send(1010, "xyz")
        ack(1013)
        send(1003, "defghij")
        XCTAssertEqual(words, ["data:abc", "data:defghij", "data:xyz"])
        XCTAssertEqual(stream.statistics.gaps, 0)
    }

    func testHoleBecomesAGapAtCloseAndIsNeverGlued() {
        send(1000, "abc")
        send(1005, "def", finish: true)
        XCTAssertEqual(words, ["data:abc"])
        close()
        XCTAssertEqual(words, ["data:abc", "gap:2", "data:def", "finish"])
    }

    func testBytesAcknowledgedButNeverSeenAreATrailingGap() {
        send(1000, "abc")
        ack(1010)
        close()
        XCTAssertEqual(words, ["data:abc", "gap:7"])
    }

    func testOutOfOrderBufferIsCappedWithAGap() {
        stream = TCPStreamReassembler(settings: .init(outOfOrderLimit: 8, retransmissionWindow: 1024))
        stream.start(at: 1000)
        send(1002, "0123")
        send(1006, "45678")
        XCTAssertEqual(words, ["gap:2", "data:0123", "data:45678"])
        XCTAssertEqual(stream.statistics.outOfOrderLimitHits, 1)
    }

    func testSnaplenCutPayloadIsAGapAfterTheCapturedBytes() {
        send(1000, "abc", missing: 5)
        send(1008, "next")
        XCTAssertEqual(words, ["data:abc", "gap:5", "data:next"])
        XCTAssertEqual(stream.statistics.snaplenCutBytes, 5)
    }

    func testKeepAliveProbeIsNotData() {
        send(1000, "abc")
        send(1002, "\0")
        XCTAssertEqual(words, ["data:abc"])
        XCTAssertEqual(stream.statistics.keepAlives, 1)
    }

    func testOverlappingOutOfOrderSegmentsAreComparedToo() {
        send(1005, "world")
        send(1003, "loWORLD")
        send(1000, "hel")
        XCTAssertEqual(words, ["mismatch@5", "data:hel", "data:lo", "data:world"])
    }

    func testSequenceNumbersWrapAround() {
        stream = TCPStreamReassembler()
        stream.start(at: UInt32.max - 1)
        send(UInt32.max - 1, "ab")
        send(0, "cd")
        send(UInt32.max, "bc")
        XCTAssertEqual(words, ["data:ab", "data:cd"])
        XCTAssertEqual(stream.statistics.retransmissions, 1)
        XCTAssertEqual(stream.statistics.overlapMismatches, 0)
    }

    func testDataAfterFinIsIgnoredAndCounted() {
        send(1000, "abc", finish: true)
        send(1003, "zz")
        XCTAssertEqual(words, ["data:abc", "finish"])
        XCTAssertEqual(stream.statistics.dataAfterFinish, 1)
    }
}
