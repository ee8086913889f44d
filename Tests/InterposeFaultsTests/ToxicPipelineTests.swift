import InterposeFaults
import NIOCore
import XCTest

/// The per-direction state machine, driven with made-up times: no channels, no clock.
final class ToxicPipelineTests: XCTestCase {
    private let ms: UInt64 = 1_000_000

    private func pipeline(_ toxics: [Toxic], stream: Toxic.Stream = .downstream, seed: UInt64? = 1) -> ToxicPipeline {
        var pipeline = ToxicPipeline(stream: stream, connection: 1, seed: seed)
        XCTAssertEqual(pipeline.update(toxics, now: 0), [])
        return pipeline
    }

    private func delivered(_ actions: [ToxicPipeline.Action]) -> [UInt8] {
        actions.flatMap { action -> [UInt8] in
            if case .deliver(let buffer) = action { return Array(buffer.readableBytesView) }
            return []
        }
    }

    private func notes(_ actions: [ToxicPipeline.Action]) -> [String] {
        actions.compactMap { if case .note(let text) = $0 { return text } else { return nil } }
    }

    func testNoToxicsDeliversAtOnce() {
        var p = pipeline([])
        XCTAssertEqual(p.receive(ByteBuffer(string: "abc"), now: 5), [.deliver(ByteBuffer(string: "abc"))])
        XCTAssertEqual(p.receiveEnd(now: 6), [.endOfStream])
    }

    func testLatencyHoldsEachChunkAndKeepsOrder() {
        var p = pipeline([Toxic(type: .latency, attributes: ["latency": 100])])
        XCTAssertEqual(p.receive(ByteBuffer(string: "a"), now: 0), [])
        XCTAssertEqual(p.receive(ByteBuffer(string: "b"), now: 10 * ms), [])
        XCTAssertEqual(p.heldBytes, 2)
        XCTAssertEqual(p.nextDeadline, 100 * ms)
        XCTAssertEqual(p.advance(now: 99 * ms), [])
        XCTAssertEqual(
            p.advance(now: 100 * ms), [.note("latency_downstream: +100 ms"), .deliver(ByteBuffer(string: "a"))])
        XCTAssertEqual(p.receiveEnd(now: 20 * ms), [])
        XCTAssertEqual(
            p.advance(now: 110 * ms),
            [.note("latency_downstream: +100 ms"), .deliver(ByteBuffer(string: "b")), .endOfStream])
        XCTAssertEqual(p.heldBytes, 0)
    }

    func testJitterStaysWithinBoundsAndOrder() {
        var p = pipeline([Toxic(type: .latency, attributes: ["latency": 50, "jitter": 20])])
        var last: UInt64 = 0
        for i in 0..<200 {
            let now = UInt64(i) * 100 * ms  // far apart: each chunk's own delay shows
            _ = p.receive(ByteBuffer(string: "x"), now: now)
            let due = p.nextDeadline!
            XCTAssertGreaterThanOrEqual(due, now + 30 * ms)
            XCTAssertLessThanOrEqual(due, now + 70 * ms)
            XCTAssertGreaterThanOrEqual(due, last)
            last = due
            XCTAssertEqual(delivered(p.advance(now: due)), Array("x".utf8))
        }
    }

    func testBandwidthPacesToRateInThousandsOfBytesPerSecond() {
        // 100 KB/s = 100 bytes per ms: 50 000 bytes take 500 ms, sent in 100 ms (10 000 byte) pieces.
        var p = pipeline([Toxic(type: .bandwidth, attributes: ["rate": 100])])
        let bytes = ByteBuffer(repeating: 7, count: 50_000)
        XCTAssertEqual(p.receive(bytes, now: 0), [])
        var deliveries: [(UInt64, Int)] = []
        var now: UInt64 = 0
        while let due = p.nextDeadline {
            now = due
            for action in p.advance(now: now) {
                if case .deliver(let piece) = action { deliveries.append((now, piece.readableBytes)) }
            }
        }
        XCTAssertEqual(deliveries.map(\.1), Array(repeating: 10_000, count: 5))
        XCTAssertEqual(deliveries.map(\.0), [100, 200, 300, 400, 500].map { $0 * ms })
    }

    func testSlicerSplitsIntoSmallPiecesDelayApart() {
        var p = pipeline([Toxic(type: .slicer, attributes: ["average_size": 10, "size_variation": 5, "delay": 1000])])
        let input = (0..<200).map { UInt8($0) }
        var actions = p.receive(ByteBuffer(bytes: input), now: 0)
        var pieces: [Int] = actions.compactMap {
            if case .deliver(let b) = $0 { return b.readableBytes } else { return nil }
        }
        var output = delivered(actions)
        while let due = p.nextDeadline {
            actions = p.advance(now: due)
            pieces += actions.compactMap { if case .deliver(let b) = $0 { return b.readableBytes } else { return nil } }
            output += delivered(actions)
        }
        XCTAssertEqual(output, input)
        XCTAssertGreaterThan(pieces.count, 10)
        XCTAssertTrue(pieces.dropLast().allSatisfy { (5...15).contains($0) }, "\(pieces)")
    }

    func testTimeoutZeroHoldsUntilRemovedThenDataFlows() {
        let timeout = Toxic(type: .timeout, attributes: ["timeout": 0])
        var p = pipeline([timeout])
        XCTAssertEqual(
            notes(p.receive(ByteBuffer(string: "held"), now: 0)),
            ["timeout_downstream: data stopped until the toxic is removed"])
        XCTAssertNil(p.nextDeadline)
        XCTAssertEqual(p.heldBytes, 4)
        XCTAssertEqual(p.update([], now: 50 * ms), [.deliver(ByteBuffer(string: "held"))])
        XCTAssertEqual(p.receive(ByteBuffer(string: "more"), now: 60 * ms), [.deliver(ByteBuffer(string: "more"))])
    }

    func testTimeoutClosesAfterItsTimeEvenWithoutData() {
        var p = pipeline([Toxic(type: .timeout, attributes: ["timeout": 200])])
        XCTAssertEqual(p.nextDeadline, 200 * ms)
        _ = p.receive(ByteBuffer(string: "dropped"), now: 10 * ms)
        let actions = p.advance(now: 200 * ms)
        XCTAssertEqual(actions.last, .close("timeout_downstream: connection closed after 200 ms without data"))
        XCTAssertTrue(delivered(actions).isEmpty)
        XCTAssertTrue(p.isFinished)
    }

    func testResetPeerResetsTimeoutAfterTheFirstData() {
        var p = pipeline([Toxic(type: .resetPeer, attributes: ["timeout": 300])])
        XCTAssertNil(p.nextDeadline)
        XCTAssertEqual(p.receive(ByteBuffer(string: "x"), now: 1000 * ms), [])
        XCTAssertEqual(p.nextDeadline, 1300 * ms)
        XCTAssertEqual(
            p.advance(now: 1300 * ms),
            [.note("reset_peer_downstream: connection reset"), .reset("reset_peer_downstream: connection reset")])
    }

    func testLimitDataPassesExactlyThatManyBytesThenCloses() {
        var p = pipeline([Toxic(type: .limitData, attributes: ["bytes": 10])])
        XCTAssertEqual(p.receive(ByteBuffer(string: "123456"), now: 0), [.deliver(ByteBuffer(string: "123456"))])
        let actions = p.receive(ByteBuffer(string: "7890abc"), now: 1)
        XCTAssertEqual(delivered(actions), Array("7890".utf8))
        XCTAssertEqual(actions.last, .close("limit_data_downstream: connection closed after 10 bytes"))
        XCTAssertEqual(p.receive(ByteBuffer(string: "z"), now: 2), [])
    }

    func testSlowCloseDelaysOnlyTheEnd() {
        var p = pipeline([Toxic(type: .slowClose, attributes: ["delay": 150])])
        XCTAssertEqual(p.receive(ByteBuffer(string: "a"), now: 0), [.deliver(ByteBuffer(string: "a"))])
        XCTAssertEqual(p.receiveEnd(now: 0), [])
        XCTAssertEqual(p.advance(now: 150 * ms), [.note("slow_close_downstream: close held 150 ms"), .endOfStream])
    }

    func testToxicityZeroNeverAndOneAlwaysApplies() {
        for connection in UInt64(1)...200 {
            var never = ToxicPipeline(stream: .downstream, connection: connection, seed: nil)
            _ = never.update([Toxic(type: .latency, toxicity: 0, attributes: ["latency": 10])], now: 0)
            XCTAssertEqual(never.applied, [])
            var always = ToxicPipeline(stream: .downstream, connection: connection, seed: nil)
            _ = always.update([Toxic(type: .latency, toxicity: 1, attributes: ["latency": 10])], now: 0)
            XCTAssertEqual(always.applied, ["latency_downstream"])
        }
    }

    func testToxicityHalfAppliesToAboutHalfTheConnections() {
        var count = 0
        for connection in UInt64(1)...1000 {
            var p = ToxicPipeline(stream: .downstream, connection: connection, seed: 3)
            _ = p.update([Toxic(type: .latency, toxicity: 0.5, attributes: ["latency": 10])], now: 0)
            count += p.applied.count
        }
        XCTAssertTrue((430...570).contains(count), "\(count) of 1000")
    }

    func testSameSeedSameJitterOtherSeedOther() {
        func jitters(seed: UInt64) -> [String] {
            var p = ToxicPipeline(stream: .downstream, connection: 4, seed: seed)
            _ = p.update([Toxic(type: .latency, attributes: ["latency": 100, "jitter": 50])], now: 0)
            var all: [String] = []
            for i in 0..<20 {
                _ = p.receive(ByteBuffer(string: "x"), now: UInt64(i) * 1000 * ms)
                all += notes(p.advance(now: UInt64(i + 1) * 1000 * ms))
            }
            return all
        }
        XCTAssertEqual(jitters(seed: 9), jitters(seed: 9))
        XCTAssertNotEqual(jitters(seed: 9), jitters(seed: 10))
    }

    func testToxicsChainInListOrder() {
        // latency then limit: the limit's close comes after the delayed bytes.
        var p = pipeline([
            Toxic(type: .latency, attributes: ["latency": 100]), Toxic(type: .limitData, attributes: ["bytes": 3]),
        ])
        XCTAssertEqual(p.receive(ByteBuffer(string: "abcdef"), now: 0), [])
        let actions = p.advance(now: 100 * ms)
        XCTAssertEqual(delivered(actions), Array("abc".utf8))
        XCTAssertEqual(actions.last, .close("limit_data_downstream: connection closed after 3 bytes"))
    }

    func testOtherStreamAndProtocolToxicsAreIgnored() {
        var p = pipeline([
            Toxic(type: .latency, stream: .upstream, attributes: ["latency": 100]),
            Toxic(type: .httpStatus), Toxic(type: .connectDelay, attributes: ["delay": 100]),
        ])
        XCTAssertEqual(p.applied, [])
        XCTAssertEqual(p.receive(ByteBuffer(string: "a"), now: 0), [.deliver(ByteBuffer(string: "a"))])
    }
}
