import Foundation
import InterposeTestSupport
import XCTest

/// Correct Redis use that the checks once called errors, through `interpose proxy --check` in front
/// of a real redis-server with a password: `CLIENT REPLY OFF|SKIP` (no reply by definition), a client
/// that gives up on `BRPOP key 0`, `ZADD ... INCR` (a bulk string, nil with NX), `DEBUG ERROR`
/// echoing a `WRONGPASS` text, and a wrong password tried before the right one. None is an error,
/// live or offline; a client that never authenticates still is.
final class QuietChecksRedisTests: XCTestCase {
    private var work = ""
    private static let password = "right-pass"

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-quiet-redis-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func resp(_ words: String...) -> String {
        "*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    /// Sends `request` and reads until `expected` bytes arrived.
    private func exchange(_ socket: BlockingSocket, _ request: String, expect expected: String) throws {
        try socket.send(request)
        XCTAssertEqual(String(decoding: try socket.receive(exactly: expected.utf8.count), as: UTF8.self), expected)
    }

    private func cli(_ port: UInt16, _ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run("redis-cli", ["--no-auth-warning", "-p", "\(port)"] + arguments, timeout: 20)
    }

    private func errorCodes(ofCheck capture: String) throws -> (status: Int32, errors: [String], all: [String]) {
        let check = try ProcessRunner.run(InterposeBinary.path, ["check", "--json", capture], timeout: 60)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: check.stdout) as? [String: Any])
        let findings = try XCTUnwrap(document["findings"] as? [[String: Any]])
        return (
            check.status, findings.filter { $0["severity"] as? String == "error" }.compactMap { $0["code"] as? String },
            findings.compactMap { $0["code"] as? String }
        )
    }

    func testCorrectUseIsNoErrorLiveOrOffline() throws {
        let redis = try RedisServer(arguments: ["--requirepass", Self.password, "--enable-debug-command", "yes"])
        defer { redis.stop() }
        let capture = work + "/quiet.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(redis.port)", extra: ["--capture", capture, "--check"])

        // A wrong password first, then the right one, from the same host.
        let wrong = try cli(proxy.port, ["-a", "not-it", "PING"])
        XCTAssertTrue(wrong.stdoutText.contains("NOAUTH") || wrong.stderrText.contains("WRONGPASS"), wrong.stdoutText)
        XCTAssertEqual(try cli(proxy.port, ["-a", Self.password, "PING"]).stdoutText, "PONG\n")

        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        socket.setTimeout(10)
        try exchange(socket, resp("AUTH", Self.password), expect: "+OK\r\n")
        // CLIENT REPLY OFF: neither it nor what follows is answered, until CLIENT REPLY ON.
        try socket.send(resp("CLIENT", "REPLY", "OFF") + resp("SET", "silent", "1"))
        try exchange(socket, resp("CLIENT", "REPLY", "ON"), expect: "+OK\r\n")
        // CLIENT REPLY SKIP: it and the next command are not answered.
        try socket.send(resp("CLIENT", "REPLY", "SKIP") + resp("SET", "skipped", "1"))
        try exchange(socket, resp("PING"), expect: "+PONG\r\n")
        // ZADD ... INCR answers like ZINCRBY; with NX on an existing member, nil.
        try exchange(socket, resp("ZADD", "z", "INCR", "2", "m"), expect: "$1\r\n2\r\n")
        try exchange(socket, resp("ZADD", "z", "NX", "INCR", "1", "m"), expect: "$-1\r\n")
        // DEBUG ERROR answers the error text it is given: the client asked for it.
        try exchange(socket, resp("DEBUG", "ERROR", "WRONGPASS not a login"), expect: "-WRONGPASS not a login\r\n")
        socket.close()

        // A client that waits on BRPOP key 0 and gives up.
        let waiter = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        waiter.setTimeout(10)
        try exchange(waiter, resp("AUTH", Self.password), expect: "+OK\r\n")
        try waiter.send(resp("BRPOP", "never-pushed", "0"))
        Thread.sleep(forTimeInterval: 0.3)
        waiter.close()
        Thread.sleep(forTimeInterval: 0.3)

        XCTAssertEqual(proxy.terminate(), 0, "no error finding live: \(proxy.background.stderrText)")
        let offline = try errorCodes(ofCheck: capture)
        XCTAssertEqual(offline.errors, [], "no error finding offline")
        XCTAssertEqual(offline.status, 0)
        XCTAssertTrue(offline.all.contains("redis.abandoned-blocking-request"), "\(offline.all)")
        XCTAssertTrue(offline.all.contains("redis.auth-failure"), "reported, as information: \(offline.all)")
    }

    func testAClientThatNeverAuthenticatesIsStillAnError() throws {
        let redis = try RedisServer(arguments: ["--requirepass", Self.password])
        defer { redis.stop() }
        let capture = work + "/refused.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(redis.port)", extra: ["--capture", capture, "--check"])
        _ = try cli(proxy.port, ["-a", "not-it", "SET", "k", "v"])
        _ = try cli(proxy.port, ["GET", "k"])
        XCTAssertEqual(proxy.terminate(), 1, "the error is found live: \(proxy.background.stderrText)")
        let offline = try errorCodes(ofCheck: capture)
        XCTAssertEqual(offline.status, 1)
        XCTAssertTrue(offline.errors.contains("redis.auth-failure"), "\(offline.errors)")
    }
}
