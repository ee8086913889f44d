import Foundation
import InterposeReplay
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The replay report's renderings, on hand-built reports: the text verdicts, report.json's values,
/// junit.xml's cases and failures, the HTML's escaping, and the writer.
final class ReplayReportRenderingTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-report-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    func testTextEndsWithTheRegressionVerdictAndListsEverySection() {
        let text = ReplayReportSamples.regression().renderText()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(
            lines.dropLast().last,
            "REGRESSION: 1 differ, 1 missing, 1 extra in 9 messages, 1 conversation stopped early, 1 error finding",
            text)
        XCTAssertTrue(
            text.hasPrefix(
                "Recorded: /captures/old <&> \"q\".pcapng\nTarget:   127.0.0.1:8081\nBaseline: 127.0.0.1:8080\n"), text)
        for heading in [
            "Differences:", "Missing and extra responses:", "Conversations that stopped early:", "Noise cancelled:",
            "Latency, recorded -> replayed", "Findings on the replayed traffic:",
        ] {
            XCTAssertTrue(text.contains("\n" + heading), "no \(heading) in\n\(text)")
        }
        XCTAssertTrue(text.contains("\nWARNING: GET /users/{id}: p99 5.0ms -> 9.0ms (+80%)\n"), text)
        XCTAssertTrue(text.contains("\nWARNING: all: p99 5.0ms -> 9.0ms (+80%)\n"), text)
        // The differing field, its value escaped onto one line; no raw control byte reaches the terminal.
        XCTAssertTrue(
            text.contains(#"json:$.name       "Ada"     "<script>alert('x&y')</script>\x1b[31m\x00\x07""#), text)
        XCTAssertFalse(
            text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "control bytes in the text report")
        XCTAssertTrue(text.contains("json:$.new_field  (none)    1\n"), text)
        XCTAssertTrue(text.contains("reset by the target after 1 of 3 requests <script>boom()</script>"), text)
    }

    func testTextVerdictWithoutRegression() {
        let text = ReplayReportSamples.clean().renderText()
        XCTAssertTrue(text.hasSuffix("\nNO REGRESSION: all 2 messages the same (3 noise fields cancelled)\n"), text)
        XCTAssertFalse(text.contains("Differences:"), text)
        XCTAssertFalse(ReplayReportSamples.clean().hasRegressions)
    }

    func testTextCutsLongValuesAndLimitsRows() {
        var report = ReplayReportSamples.clean()
        let long = String(repeating: "x", count: 500)
        report.conversations[0].messages = (0..<5).map { index in
            MessageResult(
                index: index, request: "GET /\(index)", key: "GET /{n}", verdict: .differs,
                differences: [FieldDifference(field: "body", recorded: long, replayed: "y")])
        }
        let text = report.renderText(limit: 2)
        XCTAssertTrue(text.contains(String(repeating: "x", count: 60) + "…"), text)
        XCTAssertFalse(text.contains(String(repeating: "x", count: 61)), text)
        XCTAssertTrue(text.contains("  ... and 3 more (--all lists every one)\n"), text)
        XCTAssertTrue(text.hasSuffix("REGRESSION: 5 differ, 0 missing, 0 extra in 5 messages\n"), text)
    }

    func testJSONHasTheRequiredKeysWithTheirValues() throws {
        let report = ReplayReportSamples.regression()
        let parsed = try JSONSerialization.jsonObject(
            with: Data(report.renderJSON().utf8), options: [.fragmentsAllowed])
        let json = try XCTUnwrap(parsed as? [String: Any])
        XCTAssertEqual(json["conversations"] as? Int, 4)
        XCTAssertEqual(json["messages_compared"] as? Int, 9)
        XCTAssertEqual(json["same"] as? Int, 6)
        XCTAssertEqual(json["differs"] as? Int, 1)
        XCTAssertEqual(json["missing"] as? Int, 1)
        XCTAssertEqual(json["extra"] as? Int, 1)
        XCTAssertEqual(json["regression"] as? Bool, true)
        XCTAssertEqual(json["recorded"] as? String, "/captures/old <&> \"q\".pcapng")
        XCTAssertEqual(json["target"] as? String, "127.0.0.1:8081")
        XCTAssertEqual(json["baseline"] as? String, "127.0.0.1:8080")
        XCTAssertEqual(json["duration_ns"] as? Int, 2_500_000_000)
        let differences = try XCTUnwrap(json["differences"] as? [[String: Any]])
        XCTAssertEqual(differences.count, 2)
        XCTAssertEqual(
            differences.map { Set($0.keys) },
            Array(repeating: ["conversation", "message", "request", "field", "recorded", "replayed"], count: 2))
        XCTAssertEqual(differences[0]["conversation"] as? Int, 1)
        XCTAssertEqual(differences[0]["message"] as? Int, 1)
        XCTAssertEqual(differences[0]["request"] as? String, "GET /users/7 HTTP/1.1")
        XCTAssertEqual(differences[0]["field"] as? String, "json:$.name")
        XCTAssertEqual(differences[0]["recorded"] as? String, "\"Ada\"")
        XCTAssertEqual(differences[0]["replayed"] as? String, ReplayReportSamples.hostile)
        XCTAssertEqual(differences[1]["field"] as? String, "json:$.new_field")
        XCTAssertTrue(differences[1]["recorded"] is NSNull, "\(differences[1])")
        XCTAssertEqual(differences[1]["replayed"] as? String, "1")
        let noise = try XCTUnwrap(json["noise"] as? [[String: Any]])
        XCTAssertEqual(noise.map { $0["field"] as? String }, ["header:date", "json:$.served_at"])
        XCTAssertEqual(noise.map { $0["count"] as? Int }, [3, 2])
        XCTAssertEqual(noise.map { $0["source"] as? String }, ["baseline", "rule"])
        let latency = try XCTUnwrap(json["latency"] as? [String: Any])
        XCTAssertEqual(latency["threshold"] as? Double, 0.2)
        XCTAssertEqual((latency["overall"] as? [String: Any])?["replayed_p99_us"] as? Int, 9_000)
        XCTAssertEqual((latency["rows"] as? [[String: Any]])?.first?["recorded_p50_us"] as? Int, 1_000)
        XCTAssertEqual((latency["warnings"] as? [String])?.count, 2)
        XCTAssertEqual(
            (json["findings"] as? [[String: Any]])?.map { $0["severity"] as? String }, ["error", "warning", "info"])
        let results = try XCTUnwrap(json["conversation_results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["id"] as? Int }, [1, 2, 3, 4])
        XCTAssertTrue(results[2]["replayed_id"] is NSNull)
        XCTAssertEqual(
            results[2]["error"] as? String, "reset by the target after 1 of 3 requests <script>boom()</script>")
        let redis = try XCTUnwrap(results[1]["messages"] as? [[String: Any]])
        XCTAssertEqual(redis.map { $0["verdict"] as? String }, ["same", "missing", "extra"])
        XCTAssertEqual(redis[2]["replayed_text"] as? String, "-ERR <b>\u{1b}[31m\r\n")
    }

    func testCleanJSONHasNullBaselineAndNoRegression() throws {
        let parsed = try JSONSerialization.jsonObject(with: Data(ReplayReportSamples.clean().renderJSON().utf8))
        let json = try XCTUnwrap(parsed as? [String: Any])
        XCTAssertTrue(json["baseline"] is NSNull)
        XCTAssertEqual(json["regression"] as? Bool, false)
        XCTAssertEqual((json["differences"] as? [Any])?.count, 0)
        XCTAssertTrue((json["latency"] as? [String: Any])?["overall"] is NSNull)
    }

    func testJUnitParsesWithACasePerConversationAndAFailurePerRegression() throws {
        let xml = ReplayReportSamples.regression().renderJUnit()
        let document = try XMLDocument(xmlString: xml, options: [])
        let suites = try document.nodes(forXPath: "//testsuite")
        XCTAssertEqual(suites.count, 1)
        let suite = try XCTUnwrap(suites.first as? XMLElement)
        XCTAssertEqual(suite.attribute(forName: "name")?.stringValue, "interpose replay")
        XCTAssertEqual(suite.attribute(forName: "tests")?.stringValue, "5")
        XCTAssertEqual(suite.attribute(forName: "failures")?.stringValue, "3")
        let cases = try document.nodes(forXPath: "//testcase").compactMap { $0 as? XMLElement }
        XCTAssertEqual(
            cases.map {
                "\($0.attribute(forName: "classname")?.stringValue ?? "?") \($0.attribute(forName: "name")?.stringValue ?? "?")"
            },
            [
                "replay.http1 #1 127.0.0.1:8080", "replay.redis #2 127.0.0.1:6379", "replay.http1 #3 127.0.0.1:8080",
                "replay.postgres #4 127.0.0.1:5432", "replay.checks replayed traffic",
            ])
        let failures = cases.map {
            ($0.elements(forName: "failure")).map { $0.attribute(forName: "type")?.stringValue ?? "?" }
        }
        XCTAssertEqual(
            failures, [["differs", "http.bad-status-line"], ["missing", "extra"], ["stopped-early"], [], []])
        let differs = try XCTUnwrap(cases[0].elements(forName: "failure").first)
        // The control bytes became `?`; everything else survived the round trip.
        XCTAssertEqual(
            differs.stringValue,
            "request: GET /users/7 HTTP/1.1\njson:$.name: \"Ada\" → \"<script>alert('x&y')</script>?[31m??\"\njson:$.new_field: (none) → 1"
        )
        XCTAssertEqual(
            cases[3].elements(forName: "system-out").first?.stringValue, "#4 warning postgres.slow: slow <query>")
    }

    func testHTMLShowsTheDifferencesBeforeTheLatency() throws {
        let html = ReplayReportSamples.regression().renderHTML()
        let differences = try XCTUnwrap(html.range(of: "<section id=\"differences\">"), "no differences section")
        let latency = try XCTUnwrap(html.range(of: "<section id=\"latency\">"), "no latency section")
        XCTAssertLessThan(differences.lowerBound, latency.lowerBound)
        let section = html[differences.lowerBound..<latency.lowerBound]
        XCTAssertTrue(section.contains("<code>json:$.name</code>"), String(section))
        XCTAssertTrue(section.contains("<a href=\"#c1-m1\">1</a>"), "a link to the message's card: \(section)")
    }

    func testHTMLEscapesEverythingFromTheData() {
        let html = ReplayReportSamples.regression().renderHTML()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(html.components(separatedBy: "<script").count - 1, 1, "only the page's own script")
        XCTAssertFalse(html.contains("<script>alert"))
        XCTAssertFalse(html.contains("<script>boom"))
        XCTAssertFalse(html.contains("<b>"))
        XCTAssertFalse(html.contains("<i>"))
        XCTAssertTrue(
            html.contains(
                #"&quot;&lt;script&gt;alert(&apos;x&amp;y&apos;)&lt;/script&gt;<span class="ctl">\x1b</span>[31m<span class="ctl">\x00</span><span class="ctl">\x07</span>&quot;"#
            ),
            "hostile value not escaped")
        XCTAssertTrue(
            html.contains("<pre>GET /users/7 HTTP/1.1\nHost: a &amp; b &lt;c&gt;\nAccept: */*\n\n</pre>"),
            "CRLF request as lines")
        XCTAssertTrue(html.contains("&lt;script&gt;boom()&lt;/script&gt;"))
        XCTAssertTrue(html.contains("Host: a &amp; b &lt;c&gt;"))
        XCTAssertFalse(html.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "control bytes in the page")
        XCTAssertFalse(html.contains("http://") && html.contains("src=\"http"), "external resource")
        XCTAssertFalse(html.contains(" src="), "the page loads nothing")
        XCTAssertTrue(html.contains("<div class=\"verdict bad\" id=\"verdict\">REGRESSION: 1 differ"))
        XCTAssertTrue(html.contains("<svg class=\"chart\""))
        XCTAssertTrue(html.contains("WARNING: GET /users/{id}: p99 5.0ms -&gt; 9.0ms (+80%)"))
        XCTAssertTrue(html.contains("id=\"c2-m1\""), "the missing message has a card")
        // The side-by-side diff: the changed name line faces the recorded one, the new field is added.
        XCTAssertTrue(html.contains("<td class=\"tx del\">  &quot;name&quot;: &quot;Ada&quot;</td>"), html)
        XCTAssertTrue(html.contains("<td class=\"tx add\">  &quot;new_field&quot;: 1</td>"), html)
        XCTAssertTrue(
            ReplayReportSamples.clean().renderHTML().contains(
                "<div class=\"verdict good\" id=\"verdict\">NO REGRESSION"))
    }

    func testWriterWritesTheThreeFilesIntoANewDirectory() throws {
        let directory = work + "/a/b/report"
        let paths = try ReplayReportWriter.write(ReplayReportSamples.regression(), to: directory)
        XCTAssertEqual(paths, ["report.json", "junit.xml", "report.html"].map { directory + "/" + $0 })
        for path in paths {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 500, path)
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
            ["junit.xml", "report.html", "report.json"])
        // Writing again (the directory given with a trailing slash) replaces the files.
        XCTAssertEqual(try ReplayReportWriter.write(ReplayReportSamples.clean(), to: directory + "/"), paths)
        XCTAssertTrue(try String(contentsOfFile: paths[0], encoding: .utf8).contains("\"regression\":false"))
    }

    func testWriterErrorsNameThePathAndTheReason() throws {
        let file = work + "/plain-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        XCTAssertThrowsError(try ReplayReportWriter.write(ReplayReportSamples.clean(), to: file)) { error in
            XCTAssertEqual(error as? ReplayReportWriteError, .notADirectory(path: file))
        }
        XCTAssertThrowsError(try ReplayReportWriter.write(ReplayReportSamples.clean(), to: file + "/sub")) { error in
            XCTAssertEqual(
                "\(error)",
                "cannot write the report into \(file): it exists and is not a directory (choose another --report directory)"
            )
        }
        XCTAssertThrowsError(try ReplayReportWriter.write(ReplayReportSamples.clean(), to: "/proc/interpose-report")) {
            error in
            XCTAssertEqual(
                "\(error)",
                "cannot create report directory /proc/interpose-report: No such file or directory (choose another --report directory)"
            )
        }
        // A directory where report.json should go: refused before anything is written (tests run as root).
        let directory = work + "/blocked"
        try FileManager.default.createDirectory(
            atPath: directory + "/report.json/inner", withIntermediateDirectories: true)
        XCTAssertThrowsError(try ReplayReportWriter.write(ReplayReportSamples.clean(), to: directory)) { error in
            XCTAssertEqual(
                "\(error)",
                "cannot write \(directory)/report.json: it is a directory, not a regular file (free space or choose "
                    + "another --report directory)"
            )
        }
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: directory + "/report.json.tmp"), "temporary file left behind")
    }
}
