import Foundation
import InterposeTestSupport
import XCTest

/// Which findings on the replayed traffic are the new build's regressions: an error only the target
/// has is one; the same error on the same conversation of the recording (the old build did it too)
/// or of the baseline is reported, marked, and does not fail the replay.
final class ReplayFindingsTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "interpose-replay-findings-\(UUID().uuidString)"
            )
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// An HTTP service whose responses declare `declared` bytes of body and send 5, then close.
    private func service(declaring declared: Int) throws -> ScriptedServer {
        try ScriptedServer.answeringOneRequest(
            with: #"c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: \#(declared)\r\n\r\nhello")"#)
    }

    private func record(_ upstream: ScriptedServer) throws -> String {
        let capture = work + "/recorded.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(upstream.port)", extra: ["--capture", capture])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        socket.setTimeout(10)
        try socket.send("GET /greeting HTTP/1.1\r\nHost: service\r\n\r\n")
        _ = try socket.receiveUntilEOF()
        socket.close()
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        return capture
    }

    private func findings(_ result: ProcessRunner.Result) throws -> [[String: Any]] {
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        return try XCTUnwrap(document["findings"] as? [[String: Any]], result.stdoutText)
    }

    private func errors(_ result: ProcessRunner.Result) throws -> [[String: Any]] {
        try findings(result).filter { $0["severity"] as? String == "error" }
    }

    private func regressionFindings(_ result: ProcessRunner.Result) throws -> Int? {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])["regression_findings"]
            as? Int
    }

    func testAnErrorTheRecordingAlreadyHadIsNotARegression() throws {
        // The old build declares 10 bytes of body and sends 5: the recording has the error already.
        let old = try service(declaring: 10)
        let sameBug = try service(declaring: 10)
        let capture = try record(old)
        let check = try ProcessRunner.run(InterposeBinary.path, ["check", "--json", capture], timeout: 30)
        XCTAssertEqual(check.status, 1, "the recording itself has an error finding: \(check.stdoutText)")

        let unchanged = try runReplay([capture, "--target", "127.0.0.1:\(sameBug.port)", "--speed", "max", "--json"])
        assertReplayStatus(unchanged, 0)
        let marked = try errors(unchanged)
        XCTAssertFalse(marked.isEmpty, "the target repeats the old build's error: \(unchanged.stdoutText)")
        XCTAssertTrue(marked.allSatisfy { $0["also_in"] as? String == "recording" }, "\(marked)")
        XCTAssertEqual(try regressionFindings(unchanged), 0)
        XCTAssertTrue(unchanged.stdoutText.contains("\"verdict\":\"NO REGRESSION"), unchanged.stdoutText)
    }

    func testAnErrorTheBaselineAlsoHasIsMarkedAndOneOnlyTheTargetHasIsARegression() throws {
        let recordedBuild = try service(declaring: 5)
        let capture = try record(recordedBuild)
        let brokenTarget = try service(declaring: 10)
        let brokenBaseline = try service(declaring: 10)
        let goodBaseline = try service(declaring: 5)

        // One unreproducible message is allowed here: this test is about the findings.
        let both = try runReplay([
            capture, "--target", "127.0.0.1:\(brokenTarget.port)", "--baseline", "127.0.0.1:\(brokenBaseline.port)",
            "--speed", "max", "--json", "--max-unreproducible", "1",
        ])
        let shared = try errors(both)
        XCTAssertFalse(shared.isEmpty, both.stdoutText)
        XCTAssertTrue(shared.allSatisfy { $0["also_in"] as? String == "baseline" }, "\(shared)")
        XCTAssertEqual(try regressionFindings(both), 0)
        // The baseline misses the same answer and stops the same way: unreproducible, not the
        // target's regression.
        assertReplayStatus(both, 0)
        let bothReport = try ReplayReportDocument(data: both.stdout)
        XCTAssertEqual(bothReport.count("missing"), 0, both.stdoutText)
        XCTAssertEqual(bothReport.unreproducibleCount, 1, both.stdoutText)
        XCTAssertTrue(bothReport.verdict.contains("1 unreproducible"), bothReport.verdict)

        let targetOnly = try runReplay([
            capture, "--target", "127.0.0.1:\(brokenTarget.port)", "--baseline", "127.0.0.1:\(goodBaseline.port)",
            "--speed", "max", "--json",
        ])
        assertReplayStatus(targetOnly, 1)
        let own = try errors(targetOnly)
        XCTAssertFalse(own.isEmpty, targetOnly.stdoutText)
        XCTAssertTrue(own.allSatisfy { $0["also_in"] is NSNull }, "only the target has them: \(own)")
        XCTAssertEqual(try regressionFindings(targetOnly), own.count)
        XCTAssertTrue(targetOnly.stdoutText.contains("error finding"), "the verdict counts them")
    }
}
