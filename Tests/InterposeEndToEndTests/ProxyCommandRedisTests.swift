import Foundation
import InterposeTestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `interpose proxy` as users run it: redis-server behind it, redis-cli and redis-benchmark in
/// front, the capture read back by tshark.
final class ProxyCommandRedisTests: XCTestCase {
    private var tempDir: URL!

    override func setUpWithError() throws {
        tempDir = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tempDir)
    }

    private func redisCLI(_ port: UInt16, _ args: [String]) throws -> String {
        let result = try ProcessRunner.run("redis-cli", ["-p", "\(port)"] + args, timeout: 20)
        XCTAssertEqual(result.status, 0, result.stderrText)
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testRedisClientsThroughProxyAreForwardedAndCapturedForTshark() throws {
        let redis = try RedisServer()
        let capture = tempDir.appendingPathComponent("redis.pcapng").path
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(redis.port)", extra: ["--capture", capture, "--capture-upstream-leg"])

        XCTAssertEqual(try redisCLI(proxy.port, ["SET", "greeting", "hello through interpose"]), "OK")
        XCTAssertEqual(try redisCLI(proxy.port, ["GET", "greeting"]), "hello through interpose")
        let bench = try ProcessRunner.run(
            "redis-benchmark", ["-p", "\(proxy.port)", "-n", "2000", "-c", "10", "-t", "set,get", "-q"], timeout: 60)
        XCTAssertEqual(bench.status, 0, bench.stderrText)
        XCTAssertTrue(bench.stdoutText.contains("requests per second"), bench.stdoutText)
        // The benchmark's keys really reached the server.
        XCTAssertEqual(try redisCLI(redis.port, ["EXISTS", "key:__rand_int__"]), "1")

        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        let log = proxy.background.stderrText
        XCTAssertTrue(log.contains("connections:"), log)
        XCTAssertTrue(log.contains("0 B dropped"), "no capture loss at this rate: \(log)")

        let mode = try FileManager.default.attributesOfItem(atPath: capture)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600, "capture files are private")
        XCTAssertEqual(try TShark.problemPackets(file: capture), [], "a clean capture has no warnings")
        let conversations = try TShark.conversations(file: capture)
        // redis-cli twice and 10 benchmark clients, each recorded on both legs.
        XCTAssertGreaterThanOrEqual(conversations.count, 2 * 12, "\(conversations)")
        let first = try TShark.followTCP(file: capture, stream: 0)
        XCTAssertEqual(
            String(decoding: first.fromNode0, as: UTF8.self),
            "*3\r\n$3\r\nSET\r\n$8\r\ngreeting\r\n$23\r\nhello through interpose\r\n")
        XCTAssertEqual(String(decoding: first.fromNode1, as: UTF8.self), "+OK\r\n")
        let comments = try TShark.fields(file: capture, filter: "frame.comment", fields: ["frame.comment"])
            .map { $0.joined() }
        XCTAssertTrue(comments.contains { $0.contains("upstream 127.0.0.1:\(redis.port)") }, "\(comments.prefix(3))")
        XCTAssertTrue(comments.contains { $0.contains("closed:") }, "\(comments.prefix(3))")
    }

    func testKillNineLeavesACaptureTsharkReadsUpToTheLastFlush() throws {
        let redis = try RedisServer()
        let capture = tempDir.appendingPathComponent("killed.pcapng").path
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(redis.port)", extra: ["--capture", capture])
        for i in 0..<5 {
            XCTAssertEqual(try redisCLI(proxy.port, ["SET", "k\(i)", "v\(i)"]), "OK")
        }
        // Keep one connection open so its packets are only covered by the periodic flush.
        let open = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        try open.send("PING\r\n")
        XCTAssertEqual(String(decoding: try open.receive(exactly: 7), as: UTF8.self), "+PONG\r\n")
        usleep(1_600_000)  // more than the 1 s flush interval
        proxy.background.signal(SIGKILL)
        XCTAssertNotNil(proxy.background.waitForExit(timeout: 10))

        XCTAssertEqual(try TShark.problemPackets(file: capture), [])
        let conversations = try TShark.conversations(file: capture)
        XCTAssertEqual(conversations.count, 6, "five closed connections and the open one: \(conversations)")
        let last = try TShark.followTCP(file: capture, stream: 5)
        XCTAssertEqual(String(decoding: last.fromNode0, as: UTF8.self), "PING\r\n")
        XCTAssertEqual(String(decoding: last.fromNode1, as: UTF8.self), "+PONG\r\n")
    }

    func testTerminationWaitsForTheGracePeriodThenResetsAndSumsUp() throws {
        let redis = try RedisServer()
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(redis.port)", extra: ["--grace", "1"])
        let open = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        try open.send("PING\r\n")
        _ = try open.receive(exactly: 7)
        let started = Date()
        proxy.background.signal(SIGTERM)
        let status = proxy.background.waitForExit(timeout: 15)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(status, 0, proxy.background.stderrText)
        XCTAssertGreaterThan(elapsed, 0.9, "open connections get the grace period")
        XCTAssertLessThan(elapsed, 5, "and no more")
        XCTAssertTrue(proxy.background.stderrText.contains("1 cut at shutdown"), proxy.background.stderrText)
        // The client was reset, not left hanging.
        open.setTimeout(3)
        XCTAssertThrowsError(try open.receiveUntilEOF())
        // New connections are refused once it stopped.
        XCTAssertThrowsError(try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port))
    }
}
