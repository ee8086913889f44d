import Foundation
import InterposeCapture
import InterposeControl
import InterposeCore
import InterposeTestSupport
import XCTest

/// Proxies made through the API carry real Redis traffic; their captures are their own and tshark
/// reads them; `/metrics` counts that traffic in Prometheus text.
final class ControlTrafficTests: XCTestCase {
    private var tempDir: URL!

    override func setUpWithError() throws {
        tempDir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "interpose-control-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tempDir)
    }

    func testProxiesFromTheAPIForwardRedisRecordOwnCapturesAndCountInMetrics() async throws {
        let first = try RedisServer()
        defer { first.stop() }
        let second = try RedisServer()
        defer { second.stop() }
        let api = try await ControlHarness(settings: .init(captureDirectory: tempDir.path))
        var stopped = false
        defer { if !stopped { Task { await api.stop() } } }
        for (name, port) in [("cache", first.port), ("queue", second.port)] {
            let body = "{\"name\":\"\(name)\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"127.0.0.1:\(port)\"}"
            XCTAssertEqual(try api.request("POST", "/proxies", body).status, 201)
        }
        let cachePort = try api.listenPort("cache")
        let queuePort = try api.listenPort("queue")

        XCTAssertEqual(try redisCLI(cachePort, ["SET", "k", "in-cache"]).stdoutText, "OK\n")
        XCTAssertEqual(try redisCLI(queuePort, ["SET", "k", "in-queue"]).stdoutText, "OK\n")
        XCTAssertEqual(try redisCLI(first.port, ["GET", "k"]).stdoutText, "in-cache\n", "reached the first server")
        XCTAssertEqual(try redisCLI(queuePort, ["GET", "k"]).stdoutText, "in-queue\n", "reached the second server")

        // Connections close asynchronously after redis-cli exits; wait until both are counted.
        var metrics = ""
        let deadline = Date().addingTimeInterval(10)
        repeat {
            metrics = try api.request("GET", "/metrics").body
            let now = try PrometheusText.parse(metrics)
            if now["interpose_connections_total", ["proxy": "queue"]] == 2
                && now["interpose_connections_open", ["proxy": "queue"]] == 0
                && now["interpose_connections_open", ["proxy": "cache"]] == 0
            {
                break
            }
            try await Task.sleep(nanoseconds: 100_000_000)
        } while Date() < deadline
        let samples = try PrometheusText.parse(metrics)
        XCTAssertEqual(samples["interpose_connections_total", ["proxy": "cache"]], 1, metrics)
        XCTAssertEqual(samples["interpose_connections_total", ["proxy": "queue"]], 2, metrics)
        XCTAssertEqual(samples["interpose_connections_open", ["proxy": "queue"]], 0, metrics)
        // SET k in-cache: *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8\r\nin-cache\r\n is 34 bytes; +OK\r\n is 5.
        XCTAssertEqual(
            samples["interpose_bytes_total", ["proxy": "cache", "direction": "client_to_server"]], 34, metrics)
        XCTAssertEqual(
            samples["interpose_bytes_total", ["proxy": "cache", "direction": "server_to_client"]], 5, metrics)
        XCTAssertGreaterThan(samples["interpose_capture_bytes_written_total", ["proxy": "cache"]] ?? 0, 0, metrics)
        XCTAssertEqual(samples["interpose_capture_dropped_bytes_total", ["proxy": "cache"]], 0, metrics)

        // A connection still open shows its bytes too (reported every 64 reads or 64 KiB).
        let open = try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(cachePort))
        let value = String(repeating: "v", count: 100_000)
        try open.send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$\(value.utf8.count)\r\n\(value)\r\n")
        XCTAssertEqual(String(decoding: try open.receive(exactly: 5), as: UTF8.self), "+OK\r\n")
        let live = try PrometheusText.parse(try api.request("GET", "/metrics").body)
        XCTAssertGreaterThanOrEqual(
            live["interpose_bytes_total", ["proxy": "cache", "direction": "client_to_server"]] ?? 0, 34 + 65_536)
        XCTAssertEqual(live["interpose_connections_open", ["proxy": "cache"]], 1)
        open.close()

        let capture = try api.request("GET", "/interpose/proxies/cache/capture").object()
        XCTAssertEqual(capture["capturing"] as? Bool, true)
        XCTAssertEqual(capture["files"] as? [String], [tempDir.appendingPathComponent("cache.pcapng").path])
        XCTAssertEqual(try api.request("GET", "/interpose/proxies/cache/findings").object()["checks"] as? Bool, false)

        await api.stop()
        stopped = true
        let cacheFile = tempDir.appendingPathComponent("cache.pcapng").path
        let queueFile = tempDir.appendingPathComponent("queue.pcapng").path
        XCTAssertEqual(try TShark.problemPackets(file: cacheFile), [])
        XCTAssertEqual(try TShark.streamCount(file: cacheFile), 2, "redis-cli's SET and the open connection's")
        XCTAssertEqual(try TShark.streamCount(file: queueFile), 2)
        let stream = try TShark.followTCP(file: cacheFile, stream: 0)
        XCTAssertEqual(
            String(decoding: stream.fromNode0, as: UTF8.self), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$8\r\nin-cache\r\n")
        XCTAssertEqual(String(decoding: stream.fromNode1, as: UTF8.self), "+OK\r\n")
    }
}
