import Foundation
import InterposeTestSupport
import XCTest

/// How long replay waits: as long as the recording shows a server took (plus `--timeout`), and for
/// a server close only about as long as the recorded server took to close, so an answer the
/// recorded server was slow to give is not given up on, and a close the replay cannot reproduce
/// does not hold it for the whole timeout.
final class ReplayTimingTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "interpose-replay-timing-\(UUID().uuidString)"
            )
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    func testAResponseTheRecordedServerTookLongerThanTheTimeoutForIsWaitedFor() throws {
        let slow = try ScriptedServer.answeringOneRequest(
            with: #"__import__("time").sleep(1.5); c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow")"#)
        let capture = work + "/slow.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(slow.port)", extra: ["--capture", capture])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        socket.setTimeout(10)
        try socket.send("GET /report HTTP/1.1\r\nHost: service\r\n\r\n")
        XCTAssertTrue(String(decoding: try socket.receiveUntilEOF(), as: UTF8.self).hasSuffix("slow"))
        socket.close()
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)

        // --timeout 1: the recording shows 1.5 s for this answer, so the replay waits 1 + 1.5 s.
        let replay = try runReplay([
            capture, "--target", "127.0.0.1:\(slow.port)", "--speed", "max", "--timeout", "1", "--json",
        ])
        assertReplayStatus(replay, 0)
        let report = try ReplayReportDocument(data: replay.stdout)
        XCTAssertEqual(report.count("same"), 1, replay.stdoutText)
        XCTAssertEqual(report.count("stopped_early"), 0, replay.stdoutText)
    }

    func testAServerCloseTheReplayCannotReproduceDoesNotHoldItForTheTimeout() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let capture = work + "/killed.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(redis.port)", extra: ["--capture", capture])
        // A asks for its id; B kills A by that id; the server closes A.
        let victim = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        victim.setTimeout(10)
        try victim.send("*2\r\n$6\r\nCLIENT\r\n$2\r\nID\r\n")
        let idLine = String(decoding: try victim.receive(), as: UTF8.self)
        let id = idLine.trimmingCharacters(in: CharacterSet(charactersIn: ":\r\n"))
        let killer = try ProcessRunner.run(
            "redis-cli", ["-p", "\(proxy.port)", "CLIENT", "KILL", "ID", id], timeout: 10)
        XCTAssertEqual(killer.stdoutText, "1\n", killer.stderrText)
        _ = try victim.receiveUntilEOF()
        victim.close()
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)

        // The new server has handed out other ids already, so the recorded CLIENT KILL ID kills nobody.
        let target = try RedisServer()
        defer { target.stop() }
        for _ in 0..<3 { _ = try ProcessRunner.run("redis-cli", ["-p", "\(target.port)", "PING"], timeout: 10) }
        let started = Date()
        // At recorded speed, so the kill comes after the victim's answer, as it did.
        let replay = try runReplay(
            [capture, "--target", "127.0.0.1:\(target.port)", "--speed", "1", "--timeout", "30", "--json"])
        let elapsed = Date().timeIntervalSince(started)
        // The recorded id means nothing to the new server (a correlation issue, reported as a
        // difference); what matters here is that the replay did not wait the 30 s timeout for the close.
        XCTAssertLessThan(elapsed, 15, "waited for a close the target never makes: \(replay.stdoutText)")
        let report = try ReplayReportDocument(data: replay.stdout)
        XCTAssertEqual(report.count("stopped_early"), 0, replay.stdoutText)
    }
}
