import Foundation
import InterposeCapture
import InterposeCore
import InterposeProxy
import InterposeTestSupport
import NIOCore
import NIOPosix
import XCTest

/// Every byte crosses the proxy unchanged, in order, on many connections at once.
final class ProxyForwardingTests: ProxyTestCase {
    func testHundredConcurrentConnectionsForwardEveryByteExactly() async throws {
        let server = try await PatternServer.start()
        defer { Task { await server.close() } }
        // A hundred upstream connects at once on a busy 2-core machine can take longer than the
        // default 5 s; this test is about the bytes, not the connect timeout.
        let (proxy, port, _) = try await startProxy(upstreamPort: server.port, connectTimeout: .seconds(30))

        // Sizes from 1 B to 64 MiB each way, spread log-uniformly, with both extremes present.
        var generator = PatternStream(seed: 42)
        var plans: [(UInt64, Int, Int)] = []
        for i in 0..<100 {
            func size() -> Int {
                let exponent = Double(generator.next()) / 255.0 * 26.0  // up to 2^26 = 64 MiB
                return max(1, Int(pow(2.0, exponent)))
            }
            var c = size()
            var s = size()
            // Keep the total within what a 2-core CI machine moves in seconds: big ones are rare.
            if c > 8 << 20 && i % 10 != 0 { c /= 16 }
            if s > 8 << 20 && i % 10 != 0 { s /= 16 }
            if i == 0 { c = 64 << 20; s = 1 }
            if i == 1 { c = 1; s = 64 << 20 }
            plans.append((UInt64(i + 1), c, s))
        }
        let outcomes = try await withThrowingTaskGroup(of: (Int, PatternPeer.Outcome).self) { group in
            for (index, plan) in plans.enumerated() {
                group.addTask {
                    let outcome = try await runPatternClient(
                        host: "127.0.0.1", port: port, seed: plan.0, clientLength: plan.1, serverLength: plan.2)
                    return (index, outcome)
                }
            }
            var all = [(Int, PatternPeer.Outcome)]()
            for try await result in group { all.append(result) }
            return all
        }
        XCTAssertEqual(outcomes.count, 100)
        for (index, outcome) in outcomes {
            XCTAssertTrue(outcome.isExact, "client \(index): \(outcome)")
            XCTAssertEqual(outcome.sent, plans[index].1)
            XCTAssertEqual(outcome.received, plans[index].2)
        }
        let serverSide = await waitUntil { server.results.count == 100 }
        XCTAssertTrue(serverSide, "server saw \(server.results.count) of 100 connections end")
        for outcome in server.results {
            XCTAssertTrue(outcome.isExact, "server side: \(outcome)")
        }
        let closed = await waitUntil { proxy.statistics.snapshot.open == 0 }
        XCTAssertTrue(closed)
        let stats = proxy.statistics.snapshot
        XCTAssertEqual(stats.accepted, 100)
        XCTAssertEqual(stats.closedGracefully, 100)
        XCTAssertEqual(stats.bytesToServer, plans.reduce(0) { $0 + $1.1 + 24 })
        XCTAssertEqual(stats.bytesToClient, plans.reduce(0) { $0 + $1.2 })
    }

    func testBlockingCaptureKeepsEveryByteAndReadsResumeWhenTheQueueDrains() async throws {
        let server = try await PatternServer.start()
        defer { Task { await server.close() } }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("block-\(UUID().uuidString).pcapng")
        defer { try? FileManager.default.removeItem(at: file) }
        var capture = CaptureSink.Configuration(path: file.path)
        capture.overflow = .block
        capture.queueLimitBytes = 64 << 10
        let (proxy, port, sink) = try await startProxy(
            upstreamPort: server.port, capture: capture, blockOnCaptureOverflow: true)
        // Far more than the queue holds, both ways at once: reads stop and start again many times.
        let outcome = try await runPatternClient(
            host: "127.0.0.1", port: port, seed: 11, clientLength: 24 << 20, serverLength: 24 << 20)
        XCTAssertTrue(outcome.isExact, "\(outcome)")
        let closed = await waitUntil { proxy.statistics.snapshot.open == 0 }
        XCTAssertTrue(closed)
        let statistics = try XCTUnwrap(sink).close()
        XCTAssertEqual(statistics.droppedBytes, 0, "\(statistics)")
        XCTAssertEqual(statistics.payloadBytesRecorded, proxy.statistics.snapshot.bytesToServer + (24 << 20))
    }

    func testIPv6ClientAndUpstreamForwardExactly() async throws {
        let server = try await PatternServer.start(host: "::1")
        defer { Task { await server.close() } }
        let (_, port, _) = try await startProxy(upstreamHost: "::1", upstreamPort: server.port, listenHost: "::1")
        let outcome = try await runPatternClient(
            host: "::1", port: port, seed: 7, clientLength: 3 << 20, serverLength: 5 << 20)
        XCTAssertTrue(outcome.isExact, "\(outcome)")
    }

    func testUpstreamGivenByHostNameIsResolved() async throws {
        let server = try await PatternServer.start()
        defer { Task { await server.close() } }
        let (_, port, _) = try await startProxy(upstreamHost: "localhost", upstreamPort: server.port)
        let outcome = try await runPatternClient(
            host: "127.0.0.1", port: port, seed: 9, clientLength: 1000, serverLength: 2000)
        XCTAssertTrue(outcome.isExact, "\(outcome)")
    }

    func testTwoThousandConcurrentConnectionsAreHeldAndServed() async throws {
        ResourceLimits.raiseOpenFileLimit()
        let upstream = try BlockingSocket.listen()
        let (proxy, port, _) = try await startProxy(upstreamPort: Int(upstream.localPort))
        let count = 2000
        // Open them all first (held idle), then check each one still carries bytes both ways.
        let result: (clients: [BlockingSocket], servers: [BlockingSocket]) = try await blocking {
            var clients = [BlockingSocket]()
            var servers = [BlockingSocket]()
            for _ in 0..<count {
                clients.append(try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port)))
                servers.append(try upstream.accept())
            }
            return (clients, servers)
        }
        let open = await waitUntil { proxy.openConnectionCount == count }
        XCTAssertTrue(open, "proxy holds \(proxy.openConnectionCount) of \(count)")
        try await blocking {
            // The upstream accepted in order; map each server socket to its client by a token.
            for (i, client) in result.clients.enumerated() { try client.send("c\(i);") }
            var byToken = [String: BlockingSocket]()
            for server in result.servers {
                var token = ""
                while !token.hasSuffix(";") {
                    token += String(decoding: try server.receive(exactly: 1), as: UTF8.self)
                }
                byToken[token] = server
                try server.send("s" + token)
            }
            XCTAssertEqual(byToken.count, count)
            for (i, client) in result.clients.enumerated() {
                let expected = "sc\(i);"
                XCTAssertEqual(
                    String(decoding: try client.receive(exactly: expected.utf8.count), as: UTF8.self), expected)
            }
        }
        for client in result.clients { client.close() }
        for server in result.servers { server.close() }
        let drained = await waitUntil { proxy.openConnectionCount == 0 }
        XCTAssertTrue(drained, "\(proxy.openConnectionCount) still open")
    }
}
