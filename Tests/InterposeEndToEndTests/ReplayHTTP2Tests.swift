import Foundation
import InterposeTestSupport
import XCTest

/// `interpose replay` on plain HTTP/2, field by field as HTTP/1: nghttp's requests (one connection,
/// prior knowledge, streams in flight together) recorded through `interpose proxy --capture` in
/// front of nghttpd serving build 1's files, replayed against nghttpd serving build 1 (no
/// difference) and build 2 (the JSON value by path, the text body by its lines, nothing else).
final class ReplayHTTP2Tests: XCTestCase {
    private var work = ""
    private var servers: [BackgroundProcess] = []

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-h2-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for server in servers { server.stop() }
        try? FileManager.default.removeItem(atPath: work)
        super.tearDown()
    }

    /// nghttpd serving build `build`'s files on a free port. The files of both builds carry the same
    /// modification time, so that `last-modified` is the same unless the content changed.
    private func nghttpd(build: Int) throws -> UInt16 {
        let root = work + "/build\(build)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let plan = build == 1 ? "pro" : "enterprise"
        let files = [
            "user.json": #"{"user":{"id":7,"name":"eve","plan":"\#(plan)"},"tags":["a","b"]}"#,
            "notes.txt": "line one\nline two\(build == 1 ? "" : " changed")\nline three\n",
            "same.txt": "the same in every build\n",
        ]
        for (name, content) in files {
            let path = root + "/" + name
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)], ofItemAtPath: path)
        }
        let binary = try ProcessRunner.require("nghttpd", package: "nghttp2-server")
        let port = FreePort.next()
        let server = try BackgroundProcess(binary, ["--no-tls", "-d", root, String(port)])
        servers.append(server)
        guard BlockingSocket.waitForListener(port: port) else {
            throw ReplayTestFailure(description: "nghttpd did not listen: \(server.stderrText)")
        }
        return port
    }

    private func record(upstream: UInt16) throws -> String {
        let capture = work + "/h2.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(upstream)", extra: ["--capture", capture])
        let nghttp = try ProcessRunner.require("nghttp", package: "nghttp2-client")
        let base = "http://127.0.0.1:\(proxy.port)"
        let client = try ProcessRunner.run(
            nghttp, ["-n", "-s", base + "/user.json", base + "/notes.txt", base + "/same.txt", base + "/missing"],
            timeout: 30)
        guard proxy.terminate() == 0 else {
            throw ReplayTestFailure(description: "proxy did not stop cleanly: \(proxy.background.stderrText)")
        }
        guard client.status == 0 else { throw ReplayTestFailure(description: "nghttp failed: \(client.stderrText)") }
        return capture
    }

    func testNghttpdBuild2DiffersInTheJSONValueAndTheTextLineOnly() throws {
        let capture = try record(upstream: try nghttpd(build: 1))
        let again = try nghttpd(build: 1)
        let build2 = try nghttpd(build: 2)
        // Date changes by the second, and nghttpd's 404 page names the port it listens on.
        let noise = ["--ignore", "header:date", "--ignore", "regex:at port [0-9]+"]
        let clean = try runReplay([capture, "--target", "127.0.0.1:\(again)", "--json"] + noise)
        assertReplayStatus(clean, 0)
        let cleanReport = try ReplayReportDocument(data: clean.stdout)
        XCTAssertEqual(
            cleanReport.counts,
            ["conversations": 1, "messages_compared": 4, "same": 4, "differs": 0, "missing": 0, "extra": 0])

        let directory = work + "/report"
        let changed = try runReplay(
            [capture, "--target", "127.0.0.1:\(build2)", "--json", "--report", directory] + noise)
        assertReplayStatus(changed, 1)
        let report = try ReplayReportDocument(data: changed.stdout)
        XCTAssertEqual(report.counts["same"], 2)
        XCTAssertEqual(
            report.differences.map { "\($0.request) \($0.field): \($0.recorded ?? "nil") -> \($0.replayed ?? "nil")" }
                .sorted(),
            [
                "GET /notes.txt body: line one\nline two\nline three\n -> line one\nline two changed\nline three\n",
                #"GET /user.json json:$.user.plan: "pro" -> "enterprise""#,
            ])
        // The text body's line diff in report.html: the changed line on each side, the others the same.
        let html = try String(contentsOfFile: directory + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<td class=\"tx del\">line two</td>"), "report.html lacks the old line")
        XCTAssertTrue(html.contains("<td class=\"tx add\">line two changed</td>"), "report.html lacks the new line")
        XCTAssertTrue(html.contains("<td class=\"tx\">line three</td>"), "report.html lacks the unchanged line")
    }
}
