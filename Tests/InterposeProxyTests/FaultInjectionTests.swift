import Foundation
import InterposeCapture
import InterposeCore
import InterposeFaults
import InterposeProxy
import InterposeTestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Toxics on real loopback traffic through a real proxy: what each does, measured from the client.
/// A loopback connection to the proxy.
private func connect(_ port: Int, timeout: Double = 5) throws -> BlockingSocket {
    try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port), timeout: timeout)
}

final class FaultInjectionTests: ProxyTestCase {
    func testLatencyAddsWhatWasAskedPerDirection() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let toxics = ToxicSet()
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let base = try await blocking { median(try roundTrips(try connect(port), count: 10)) }
        try toxics.add(Toxic(type: .latency, stream: .downstream, attributes: ["latency": 50]))
        let down = try await blocking { median(try roundTrips(try connect(port), count: 10)) }
        try toxics.add(Toxic(type: .latency, stream: .upstream, attributes: ["latency": 30]))
        let both = try await blocking { median(try roundTrips(try connect(port), count: 10)) }
        print("latency: base \(base) ms, +50 downstream \(down) ms, +30 upstream \(both) ms")
        XCTAssertEqual(down - base, 50, accuracy: 5)
        XCTAssertEqual(both - base, 80, accuracy: 5)
    }

    func testJitterStaysWithinItsBounds() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let toxics = ToxicSet([Toxic(type: .latency, attributes: ["latency": 60, "jitter": 20])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        // The first trip also waits for the upstream connect and the test server's thread: left out.
        let trips = try await blocking { Array(try roundTrips(try connect(port), count: 31).dropFirst()) }
        print("jitter 60±20: \(trips.map { Int($0) })")
        XCTAssertGreaterThanOrEqual(trips.min()!, 39)
        XCTAssertLessThanOrEqual(trips.max()!, 85)
        XCTAssertGreaterThan(trips.max()! - trips.min()!, 10, "jitter varies the delay")
    }

    func testBandwidthIsWithinTenPercentOfTheRate() async throws {
        let size = 500_000
        let server = try FaultTestServer.sending(Array(repeating: 0x61, count: size))
        defer { server.stop() }
        // 500 KB/s (Toxiproxy's KB: 1000 bytes): 500 000 bytes take 1 s.
        let toxics = ToxicSet([Toxic(type: .bandwidth, attributes: ["rate": 500])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let (count, elapsed) = try await blocking {
            let socket = try connect(port)
            let start = Date()
            let bytes = try socket.receiveUntilEOF()
            return (bytes.count, milliseconds(since: start))
        }
        print("bandwidth 500 KB/s: \(count) bytes in \(elapsed) ms = \(Double(count) / elapsed) KB/s")
        XCTAssertEqual(count, size)
        XCTAssertEqual(elapsed, 1000, accuracy: 100)
    }

    func testSlicerDeliversTheSameBytesInSmallPieces() async throws {
        let payload = (0..<3000).map { UInt8($0 % 251) }
        let server = try FaultTestServer.sending(payload)
        defer { server.stop() }
        let toxics = ToxicSet([
            Toxic(type: .slicer, attributes: ["average_size": 100, "size_variation": 40, "delay": 2000])
        ])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let (received, reads) = try await blocking {
            let socket = try connect(port)
            var all: [UInt8] = []
            var reads = 0
            while true {
                let chunk = try socket.receive()
                if chunk.isEmpty { break }
                all += chunk
                reads += 1
            }
            return (all, reads)
        }
        print("slicer 100±40 every 2 ms: 3000 bytes in \(reads) reads")
        XCTAssertEqual(received, payload)
        XCTAssertGreaterThan(reads, 15)
    }

    func testTimeoutStallsThenClosesAfterTheTimeout() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let toxics = ToxicSet([Toxic(type: .timeout, attributes: ["timeout": 300])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let (received, elapsed) = try await blocking {
            let start = Date()
            let socket = try connect(port)
            try socket.send("ping")
            let bytes = (try? socket.receiveUntilEOF()) ?? []
            return (bytes, milliseconds(since: start))
        }
        print("timeout 300: closed after \(elapsed) ms")
        XCTAssertEqual(received, [], "nothing passes while the timeout stalls the stream")
        XCTAssertEqual(elapsed, 300, accuracy: 40)
    }

    func testTimeoutZeroHoldsUntilRemovedThenDataFlows() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let toxics = ToxicSet([Toxic(type: .timeout, attributes: ["timeout": 0])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let socket = try connect(port, timeout: 0.3)
        try socket.send("ping")
        let stalled = try await blocking { (try? socket.receive()) ?? [] }
        XCTAssertEqual(stalled, [], "held while the toxic is there")
        let removedAt = Date()
        toxics.remove(named: "timeout_downstream")
        socket.setTimeout(2)
        let echoed = try await blocking { try socket.receive(exactly: 4) }
        print("timeout 0: data flowed \(milliseconds(since: removedAt)) ms after removal")
        XCTAssertEqual(echoed, Array("ping".utf8))
        XCTAssertLessThan(milliseconds(since: removedAt), 100)
    }

    func testResetPeerIsSeenAsConnectionResetWithinTheTimeout() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let toxics = ToxicSet([Toxic(type: .resetPeer, stream: .upstream, attributes: ["timeout": 200])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let (error, elapsed) = try await blocking {
            let socket = try connect(port)
            let start = Date()
            try socket.send("ping")
            do {
                _ = try socket.receiveUntilEOF()
                return (Int32(0), milliseconds(since: start))
            } catch let error as BlockingSocket.SocketError {
                return (error.errno, milliseconds(since: start))
            }
        }
        print("reset_peer 200: ECONNRESET after \(elapsed) ms")
        XCTAssertEqual(error, ECONNRESET)
        XCTAssertGreaterThanOrEqual(elapsed, 195)
        XCTAssertLessThanOrEqual(elapsed, 220)
    }

    func testLimitDataClosesAfterExactlyThatManyBytes() async throws {
        let server = try FaultTestServer.sending(Array(repeating: 0x62, count: 50_000))
        defer { server.stop() }
        let toxics = ToxicSet([Toxic(type: .limitData, attributes: ["bytes": 1234])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let received = try await blocking { try connect(port).receiveUntilEOF() }
        XCTAssertEqual(received.count, 1234)
    }

    func testSlowCloseDelaysTheEndOfStream() async throws {
        let server = try FaultTestServer.sending(Array("bye".utf8))
        defer { server.stop() }
        let toxics = ToxicSet([Toxic(type: .slowClose, attributes: ["delay": 200])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let (firstByte, end) = try await blocking {
            let socket = try connect(port)
            let start = Date()
            _ = try socket.receive(exactly: 3)
            let first = milliseconds(since: start)
            XCTAssertEqual(try socket.receive(), [])
            return (first, milliseconds(since: start))
        }
        print("slow_close 200: bytes after \(firstByte) ms, EOF after \(end) ms")
        XCTAssertLessThan(firstByte, 50)
        XCTAssertEqual(end, 200, accuracy: 30)
    }

    func testConnectDelayDelaysTheFirstByte() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let toxics = ToxicSet([Toxic(type: .connectDelay, attributes: ["delay": 150])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let trips = try await blocking { try roundTrips(try connect(port), count: 3) }
        print("connect_delay 150: first round trip \(trips[0]) ms, then \(trips[1]) ms")
        XCTAssertEqual(trips[0], 150, accuracy: 20)
        XCTAssertLessThan(trips[1], 20)
    }

    func testToxicityZeroNeverFiresAndOneAlwaysDoes() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let toxics = ToxicSet([Toxic(type: .latency, toxicity: 0, attributes: ["latency": 80])])
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let never = try await blocking { try (0..<5).map { _ in try roundTrips(try connect(port), count: 1)[0] } }
        try toxics.update(Toxic(type: .latency, toxicity: 1, attributes: ["latency": 80]))
        let always = try await blocking { try (0..<5).map { _ in try roundTrips(try connect(port), count: 1)[0] } }
        XCTAssertLessThan(never.max()!, 40, "\(never)")
        XCTAssertGreaterThanOrEqual(always.min()!, 78, "\(always)")
    }

    func testToxicsAddedAndRemovedOnALiveConnectionTakeEffect() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let toxics = ToxicSet()
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port), toxics: toxics)
        let socket = try connect(port)
        let before = try await blocking { median(try roundTrips(socket, count: 3)) }
        try toxics.add(Toxic(type: .latency, attributes: ["latency": 70]))
        let during = try await blocking { median(try roundTrips(socket, count: 3)) }
        toxics.remove(named: "latency_downstream")
        let after = try await blocking { median(try roundTrips(socket, count: 3)) }
        print("live: before \(before), with latency 70 \(during), after removal \(after) ms")
        XCTAssertLessThan(before, 20)
        XCTAssertEqual(during, 70, accuracy: 10)
        XCTAssertLessThan(after, 20)
    }

    func testFastSenderThroughLatencyStaysExactAndBounded() async throws {
        // 32 MiB through a 50 ms upstream latency: reads stop while 1 MiB is held, every byte arrives in order.
        let server = try await PatternServer.start()
        defer { Task { await server.close() } }
        let toxics = ToxicSet([Toxic(type: .latency, stream: .upstream, attributes: ["latency": 50])])
        let (_, port, _) = try await startProxy(upstreamPort: server.port, toxics: toxics)
        let outcome = try await runPatternClient(
            host: "127.0.0.1", port: port, seed: 3, clientLength: 32 << 20, serverLength: 1000)
        XCTAssertTrue(outcome.isExact, "\(outcome)")
    }

    func testCaptureHasACommentWhereEachFaultFired() async throws {
        let server = try FaultTestServer.echo()
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("faults-\(UUID().uuidString).pcapng")
            .path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let toxics = ToxicSet([
            Toxic(type: .latency, attributes: ["latency": 20]),
            Toxic(type: .slicer, attributes: ["average_size": 2, "delay": 1000]),
        ])
        let (_, port, sink) = try await startProxy(
            upstreamPort: Int(server.port), capture: CaptureSink.Configuration(path: file), toxics: toxics)
        try await blocking {
            let socket = try connect(port)
            for _ in 0..<3 {
                try socket.send("abcdef")
                _ = try socket.receive(exactly: 6)
            }
            socket.shutdownWrite()
            _ = try socket.receiveUntilEOF()
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        _ = sink?.close()
        let rows = try TShark.fields(
            file: file, filter: "frame.comment contains \"interpose fault\"", fields: ["frame.comment", "tcp.len"])
        print("capture comments: \(rows)")
        XCTAssertEqual(rows.count, 3, "one commented frame per delayed, sliced chunk")
        for row in rows {
            XCTAssertTrue(row[0].contains("interpose fault latency_downstream: +20 ms"), "\(row)")
            XCTAssertTrue(row[0].contains("interpose fault slicer_downstream: 6 bytes in 3 pieces"), "\(row)")
            XCTAssertEqual(row[1], "2", "the comment is on the first small segment")
        }
        let segments = try TShark.fields(file: file, filter: "tcp.len == 2", fields: ["tcp.len"])
        XCTAssertGreaterThanOrEqual(
            segments.filter { $0.first == "2" }.count, 9, "the capture shows the small segments")
    }
}
