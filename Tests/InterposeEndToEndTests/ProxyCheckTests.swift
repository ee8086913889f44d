import Foundation
import InterposeTestSupport
import XCTest

/// `interpose proxy --check`: the checks run live on real traffic, findings logged as they
/// happen and written into the capture as packet comments, and found again offline by
/// `interpose check` on the capture (one code path).
final class ProxyCheckTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-proxy-check-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func errorCodes(ofCheck capture: String) throws -> Set<String> {
        let result = try ProcessRunner.run(InterposeBinary.path, ["check", "--json", capture], timeout: 60)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let findings = try XCTUnwrap(document["findings"] as? [[String: Any]])
        return Set(findings.filter { $0["severity"] as? String == "error" }.compactMap { $0["code"] as? String })
    }

    func testCleanRedisTrafficPassesLiveAndOffline() throws {
        let redis = try RedisServer()
        let capture = work + "/redis.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(redis.port)", extra: ["--capture", capture, "--check"])
        let bench = try ProcessRunner.run(
            "redis-benchmark", ["-p", "\(proxy.port)", "-n", "1000", "-c", "4", "-P", "8", "-t", "set,get", "-q"],
            timeout: 60)
        XCTAssertEqual(bench.status, 0, bench.stderrText)
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        XCTAssertTrue(proxy.background.stderrText.contains("checks: 0 errors"), proxy.background.stderrText)
        XCTAssertEqual(try errorCodes(ofCheck: capture), [])
    }

    func testWrongContentLengthIsFoundLiveCommentedInTheCaptureAndFoundAgainOffline() throws {
        let server = try ScriptedServer.answeringOneRequest(
            with: """
                c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\n\\r\\nhello, and then some more bytes\\n")
                """)
        defer { server.stop() }
        let capture = work + "/http.pcapng"
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(server.port)", extra: ["--capture", capture, "--check"])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        try socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let answer = try socket.receiveUntilEOF()
        socket.close()
        XCTAssertEqual(
            answer, Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and then some more bytes\n".utf8),
            "forwarded unchanged, whatever the checks found")
        XCTAssertEqual(proxy.terminate(), 1, "an error finding makes the exit status 1: \(proxy.background.stderrText)")
        let log = proxy.background.stderrText
        XCTAssertTrue(log.contains("finding error http.content-length-mismatch"), log)
        XCTAssertTrue(log.contains("checks: 1 errors"), log)

        let comments = try TShark.run([
            "-r", capture, "-Y", "frame.comment contains \"http.content-length-mismatch\"", "-T", "fields", "-e",
            "frame.number",
        ])
        XCTAssertEqual(comments.split(separator: "\n").count, 1, "the finding is a comment on one packet")
        XCTAssertEqual(try errorCodes(ofCheck: capture), ["http.content-length-mismatch"])
    }

    func testProtocolFlagsWithoutCheckAreABadUsage() throws {
        let result = try ProcessRunner.run(
            InterposeBinary.path,
            ["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--protocol", "redis"],
            timeout: 20)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderrText.contains("--check"), result.stderrText)
    }
}
