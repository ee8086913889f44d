import Foundation
import InterposeTestSupport
import XCTest

/// `interpose replay` as a release check runs it, against the project's demo service: a curl
/// workload recorded through `interpose proxy` in front of build 1, replayed against a second
/// build 1 (no regression, the noise learned from a third), against build 2 (the planted
/// `GET /users/7` change and nothing else), with `--ignore` rules instead of a baseline, and with
/// the inputs that make it exit 2.
///
/// The recording and the three services are made once for the class (the services are stateless).
final class ReplayCommandTests: XCTestCase {
    /// The recorded workload and the services the tests replay it against.
    final class Fixture: @unchecked Sendable {
        let directory: String
        /// The proxy's capture of the workload (client leg, pcapng).
        let capture: String
        /// Build 1, as the target of a same-build replay.
        let target: DemoServiceProcess
        /// Build 1 again, as the baseline.
        let baseline: DemoServiceProcess
        /// Build 2: `GET /users/7` answers `"plan":"enterprise"`.
        let newBuild: DemoServiceProcess

        init(
            directory: String, capture: String, target: DemoServiceProcess, baseline: DemoServiceProcess,
            newBuild: DemoServiceProcess
        ) {
            self.directory = directory
            self.capture = capture
            self.target = target
            self.baseline = baseline
            self.newBuild = newBuild
        }

        func stop() {
            target.stop()
            baseline.stop()
            newBuild.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The workload: one curl per group, its URLs on one keep-alive connection; the parallel
    /// groups run at the same time.
    static let sequentialGroups = [["/health", "/users/1", "/users/7", "/users?plan=pro"], ["/users/99", "/nope"]]
    static let parallelGroups = [["/users/7", "/users/3"], ["/users/2", "/users/7", "/users"], ["/users/12"]]
    static let conversations = 5
    static let requests = 12
    static let user7Requests = 3
    /// Fields of the workload's answers that change on every request: `Date` on all 12,
    /// `served_at` on the 9 answers with a user or the list, `request_id` and `X-Request-Id` on
    /// the 7 answers with one user.
    static let noiseCounts = [
        "header:date": 12, "json:$.served_at": 9, "json:$.request_id": 7, "header:x-request-id": 7,
    ]
    static let noiseRules = ["json:$.served_at", "json:$.request_id", "header:x-request-id", "header:date"]

    nonisolated(unsafe) private static var shared: Fixture?
    nonisolated(unsafe) private static var sharedFailure: String?
    private var fixture: Fixture!
    private var work = ""

    override func setUpWithError() throws {
        if Self.shared == nil, Self.sharedFailure == nil {
            do {
                Self.shared = try Self.record()
            } catch {
                Self.sharedFailure = "\(error)"
            }
        }
        if let failure = Self.sharedFailure {
            throw ReplayTestFailure(description: "recording the workload failed: \(failure)")
        }
        fixture = Self.shared
        work = fixture.directory + "/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override class func tearDown() {
        shared?.stop()
        shared = nil
        super.tearDown()
    }

    /// The curl arguments for one group: each URL's body to /dev/null, one `STATUS PATH` line each.
    private static func curlArguments(_ port: UInt16, _ paths: [String]) -> [String] {
        ["-sS", "--max-time", "10", "-w", "%{http_code} %{url_effective}\n"]
            + paths.flatMap { ["-o", "/dev/null", "http://127.0.0.1:\(port)\($0)"] }
    }

    /// The status lines curl prints for a group against build 1.
    private static func expectedStatusLines(_ port: UInt16, _ paths: [String]) -> String {
        paths.map { path in
            let status = path == "/users/99" || path == "/nope" ? 404 : 200
            return "\(status) http://127.0.0.1:\(port)\(path)\n"
        }.joined()
    }

    /// Records the workload through the proxy in front of build 1, then starts the services to
    /// replay against. Returns at least 1.2 s after the last recorded answer, so that every
    /// answer's `Date` (whole seconds) differs between the recording and any replay: noise the
    /// baseline can learn for every message.
    private static func record() throws -> Fixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "interpose-replay-e2e-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let capture = directory + "/service.pcapng"
        let recorded = try DemoServiceProcess(build: 1)
        defer { recorded.stop() }
        let proxy = try InterposeProcess(upstream: recorded.address, extra: ["--capture", capture])
        for group in sequentialGroups {
            let curl = try ProcessRunner.run("curl", curlArguments(proxy.port, group), timeout: 20)
            guard curl.status == 0, curl.stdoutText == expectedStatusLines(proxy.port, group) else {
                throw ReplayTestFailure(
                    description: "curl \(group): \(curl.status) \(curl.stdoutText) \(curl.stderrText)")
            }
        }
        let clients = try parallelGroups.map { try BackgroundProcess("curl", curlArguments(proxy.port, $0)) }
        for (client, group) in zip(clients, parallelGroups) {
            let status = client.waitForExit(timeout: 20)
            guard status == 0, client.stdoutText == expectedStatusLines(proxy.port, group) else {
                throw ReplayTestFailure(
                    description:
                        "curl \(group): \(String(describing: status)) \(client.stdoutText) \(client.stderrText)")
            }
        }
        let recordedAt = Date()
        guard proxy.terminate() == 0 else {
            throw ReplayTestFailure(description: "proxy did not stop cleanly: \(proxy.background.stderrText)")
        }
        let fixture = Fixture(
            directory: directory, capture: capture, target: try DemoServiceProcess(build: 1),
            baseline: try DemoServiceProcess(build: 1), newBuild: try DemoServiceProcess(build: 2))
        let wait = 1.2 - Date().timeIntervalSince(recordedAt)
        if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
        return fixture
    }

    private func expectedNoise(source: String) -> Set<ReplayReportDocument.Noise> {
        Set(Self.noiseCounts.map { ReplayReportDocument.Noise(field: $0.key, count: $0.value, source: source) })
    }

    // MARK: - No regression

    func testSameBuildWithBaselineIsNoRegressionAndLearnsTheNoise() throws {
        let reportDirectory = work + "/same"
        let result = try runReplay([
            fixture.capture, "--target", fixture.target.address, "--baseline", fixture.baseline.address,
            "--report", reportDirectory,
        ])
        assertReplayStatus(result, 0)
        XCTAssertEqual(
            lastLine(result.stdoutText), "NO REGRESSION: all 12 messages the same (35 noise fields cancelled)")
        let stderr = result.stderrText.split(separator: "\n").map(String.init)
        XCTAssertEqual(stderr.count, 2, result.stderrText)
        XCTAssertTrue(
            stderr.first?.hasPrefix("replayed \(Self.conversations) conversations, \(Self.requests) requests in ")
                ?? false,
            result.stderrText)
        XCTAssertEqual(
            stderr.last,
            "report: \(reportDirectory)/report.json, \(reportDirectory)/junit.xml, \(reportDirectory)/report.html")

        let report = try ReplayReportDocument(directory: reportDirectory)
        XCTAssertEqual(
            report.counts,
            ["conversations": 5, "messages_compared": 12, "same": 12, "differs": 0, "missing": 0, "extra": 0])
        XCTAssertEqual(report.regression, false)
        XCTAssertEqual(report.differences, [])
        XCTAssertEqual(report.noise, expectedNoise(source: "baseline"), "\(report.noise)")
        XCTAssertEqual(report.verdict, lastLine(result.stdoutText))
        XCTAssertEqual(report.object["target"] as? String, fixture.target.address)
        XCTAssertEqual(report.object["baseline"] as? String, fixture.baseline.address)

        let junit = try String(contentsOfFile: reportDirectory + "/junit.xml", encoding: .utf8)
        XCTAssertTrue(junit.contains(#"<testsuites name="interpose replay" tests="6" failures="0""#), junit)
        let html = try String(contentsOfFile: reportDirectory + "/report.html", encoding: .utf8)
        XCTAssertTrue(
            html.contains("<title>interpose replay: NO REGRESSION: all 12 messages the same"), String(html.prefix(2000))
        )
    }

    // MARK: - The planted change

    /// The differences build 2 must produce, and only those: per recorded `GET /users/7`, the plan
    /// and (10 bytes of "enterprise" for 4 of "free") the body's length.
    private func assertOnlyUser7Differs(
        _ report: ReplayReportDocument, file: StaticString = #filePath, line: UInt = #line
    ) {
        let differences = report.differences
        XCTAssertEqual(
            report.counts,
            [
                "conversations": 5, "messages_compared": 12, "same": 9, "differs": Self.user7Requests, "missing": 0,
                "extra": 0,
            ],
            file: file, line: line)
        XCTAssertEqual(report.regression, true, file: file, line: line)
        XCTAssertTrue(
            differences.allSatisfy { $0.request == "GET /users/7 HTTP/1.1" }, "\(differences)", file: file, line: line)
        let plan = differences.filter { $0.field == "json:$.plan" }
        XCTAssertEqual(plan.count, Self.user7Requests, "\(differences)", file: file, line: line)
        XCTAssertTrue(
            plan.allSatisfy { $0.recorded == #""free""# && $0.replayed == #""enterprise""# }, "\(plan)", file: file,
            line: line)
        let messages = Set(plan.map { [$0.conversation, $0.message] })
        XCTAssertEqual(
            messages.count, Self.user7Requests, "one plan difference per recorded /users/7: \(plan)", file: file,
            line: line)
        // The body grew by 6 bytes, and its length is not a difference of its own: the body's fields say it.
        XCTAssertEqual(
            differences.count, Self.user7Requests, "nothing else differs: \(differences)", file: file, line: line)
    }

    func testBuild2AgainstBaselineReportsExactlyTheUser7Plan() throws {
        let reportDirectory = work + "/build2"
        let result = try runReplay([
            fixture.capture, "--target", fixture.newBuild.address, "--baseline", fixture.baseline.address,
            "--report", reportDirectory,
        ])
        assertReplayStatus(result, 1)
        XCTAssertEqual(lastLine(result.stdoutText), "REGRESSION: 3 differ, 0 missing, 0 extra in 12 messages")
        let planRows = result.stdoutText.split(separator: "\n").filter {
            $0.contains("json:$.plan") && $0.contains(#""free""#) && $0.contains(#""enterprise""#)
        }
        XCTAssertEqual(planRows.count, Self.user7Requests, result.stdoutText)
        let report = try ReplayReportDocument(directory: reportDirectory)
        assertOnlyUser7Differs(report)
        XCTAssertEqual(report.noise, expectedNoise(source: "baseline"), "\(report.noise)")
        XCTAssertEqual(report.verdict, "REGRESSION: 3 differ, 0 missing, 0 extra in 12 messages")
        let junit = try String(contentsOfFile: reportDirectory + "/junit.xml", encoding: .utf8)
        XCTAssertTrue(junit.contains(#"<testsuites name="interpose replay" tests="6" failures="3""#), junit)
        XCTAssertTrue(junit.contains("json:$.plan: &quot;free&quot; → &quot;enterprise&quot;"), junit)
    }

    func testPacingAndConnectionLimitDoNotChangeTheVerdict() throws {
        let reportDirectory = work + "/build2-fast"
        let result = try runReplay([
            fixture.capture, "--target", fixture.newBuild.address, "--baseline", fixture.baseline.address,
            "--speed", "max", "--connections", "1", "--runs", "2", "--report", reportDirectory,
        ])
        assertReplayStatus(result, 1)
        assertOnlyUser7Differs(try ReplayReportDocument(directory: reportDirectory))
    }

    // MARK: - Noise rules instead of a baseline

    func testIgnoreRulesWithoutBaselineCancelTheNoise() throws {
        let reportDirectory = work + "/rules"
        let result = try runReplay(
            [fixture.capture, "--target", fixture.target.address, "--report", reportDirectory]
                + Self.noiseRules.flatMap { ["--ignore", $0] })
        assertReplayStatus(result, 0)
        XCTAssertEqual(
            lastLine(result.stdoutText), "NO REGRESSION: all 12 messages the same (35 noise fields cancelled)")
        let report = try ReplayReportDocument(directory: reportDirectory)
        XCTAssertEqual(report.differences, [])
        XCTAssertEqual(report.noise, expectedNoise(source: "rule"), "\(report.noise)")
        XCTAssertTrue(report.object["baseline"] is NSNull, "\(String(describing: report.object["baseline"]))")

        // Without the rules (and without a baseline) the noise is a regression: the rules did the work.
        let bare = try runReplay([fixture.capture, "--target", fixture.target.address, "--json"])
        assertReplayStatus(bare, 1)
        let bareReport = try ReplayReportDocument(data: bare.stdout)
        XCTAssertEqual(
            Set(bareReport.differences.map(\.field)), Set(Self.noiseCounts.keys), "\(bareReport.differences)")
        XCTAssertEqual(bareReport.count("differs"), 12)
    }

    func testIgnoreFileWithTheSameRulesCancelsTheNoise() throws {
        let rules = work + "/noise.rules"
        let text = "# demo-service noise\n\n" + Self.noiseRules.joined(separator: "\n") + "\n"
        try text.write(toFile: rules, atomically: true, encoding: .utf8)
        let result = try runReplay([
            fixture.capture, "--target", fixture.target.address, "--ignore-file", rules, "--json",
        ])
        assertReplayStatus(result, 0)
        let report = try ReplayReportDocument(data: result.stdout)
        XCTAssertEqual(report.differences, [])
        XCTAssertEqual(report.noise, expectedNoise(source: "rule"), "\(report.noise)")
    }

    func testBadIgnoreRuleIsOneLineAndExitTwo() throws {
        let result = try runReplay([fixture.capture, "--target", fixture.target.address, "--ignore", "bogus"])
        assertReplayStatus(result, 2)
        XCTAssertEqual(
            result.stderrText,
            "interpose: --ignore 'bogus': expected header:NAME, json:$.PATH, field:PATH or regex:PATTERN\n")
        XCTAssertEqual(result.stdoutText, "")

        let rules = work + "/bad.rules"
        try "# noise\njson:$.served_at\n\nbogus\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let fromFile = try runReplay([fixture.capture, "--target", fixture.target.address, "--ignore-file", rules])
        assertReplayStatus(fromFile, 2)
        XCTAssertEqual(
            fromFile.stderrText,
            "interpose: \(rules):4: 'bogus': expected header:NAME, json:$.PATH, field:PATH or regex:PATTERN\n")
    }

    // MARK: - Exit status 2

    /// A loopback port nothing listens on (bound, then closed).
    private func closedPort() throws -> UInt16 {
        let socket = try BlockingSocket.listen()
        let port = socket.localPort
        socket.close()
        return port
    }

    func testUnreachableTargetOrBaselineIsOneLineAndExitTwo() throws {
        let port = try closedPort()
        let result = try runReplay([fixture.capture, "--target", "127.0.0.1:\(port)", "--report", work + "/down"])
        assertReplayStatus(result, 2)
        XCTAssertEqual(
            result.stderrText,
            "interpose: cannot connect to the target 127.0.0.1:\(port): connection refused; is the new build running?\n"
        )
        XCTAssertEqual(result.stdoutText, "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/down/report.json"), "no report without a replay")

        let baselineDown = try runReplay([
            fixture.capture, "--target", fixture.target.address, "--baseline", "127.0.0.1:\(port)",
        ])
        assertReplayStatus(baselineDown, 2)
        XCTAssertEqual(
            baselineDown.stderrText,
            "interpose: cannot connect to the baseline 127.0.0.1:\(port): connection refused; is the old build running?\n"
        )
    }

    func testMissingCaptureAndBadSpeedAreExitTwo() throws {
        let missing = work + "/missing.pcapng"
        let result = try runReplay([missing, "--target", fixture.target.address])
        assertReplayStatus(result, 2)
        XCTAssertEqual(result.stderrText, "interpose: cannot read capture \(missing): No such file or directory\n")

        for speed in ["0", "-2", "fast"] {  // "=" so that -2 is a value, not a flag
            let bad = try runReplay([fixture.capture, "--target", fixture.target.address, "--speed=\(speed)"])
            assertReplayStatus(bad, 2)
            let lines = bad.stderrText.split(separator: "\n")
            XCTAssertEqual(
                lines.first.map(String.init),
                "interpose: The value '\(speed)' is invalid for '--speed <N|max>': must be max or a number from 0.001 to 1000000",
                bad.stderrText)
            XCTAssertLessThanOrEqual(lines.count, 2, "the line and at most a usage hint: \(bad.stderrText)")
        }
    }

    // MARK: - Outputs

    func testCaptureOfTheReplayHasOneTCPConversationPerReplayedConversation() throws {
        let replayCapture = work + "/replay.pcapng"
        let result = try runReplay([
            fixture.capture, "--target", fixture.target.address, "--baseline", fixture.baseline.address,
            "--capture", replayCapture,
        ])
        assertReplayStatus(result, 0)
        let conversations = try TShark.conversations(file: replayCapture)
        XCTAssertEqual(conversations.count, Self.conversations, "\(conversations.map(\.row))")
        let target = "127.0.0.1:\(fixture.target.port)"
        XCTAssertTrue(
            conversations.allSatisfy { $0.endpointA == target || $0.endpointB == target },
            "only the target's traffic is recorded, not the baseline's: \(conversations.map(\.row))")
        XCTAssertEqual(try TShark.problemPackets(file: replayCapture), [])

        let check = try ProcessRunner.run(InterposeBinary.path, ["check", replayCapture], timeout: 60)
        XCTAssertEqual(check.status, 0, check.stdoutText + check.stderrText)

        let diff = try ProcessRunner.run(InterposeBinary.path, ["diff", fixture.capture, replayCapture], timeout: 60)
        XCTAssertFalse(diff.timedOut)
        XCTAssertNotEqual(diff.status, 2, "diff reads both captures: \(diff.stderrText)")
        // Without noise rules every answer differs (its Date, and served_at/request_id where it has them).
        XCTAssertEqual(diff.status, 1, diff.stdoutText + diff.stderrText)
        XCTAssertEqual(lastLine(diff.stdoutText), "REGRESSION: 12 differ, 0 missing, 0 extra in 12 messages")
        // With the rules, the recording and its replay against the same build are the same.
        let rules = ["header:date", "header:x-request-id", "json:$.served_at", "json:$.request_id"].flatMap {
            ["--ignore", $0]
        }
        let quiet = try ProcessRunner.run(
            InterposeBinary.path, ["diff"] + rules + [fixture.capture, replayCapture], timeout: 60)
        XCTAssertEqual(quiet.status, 0, quiet.stdoutText + quiet.stderrText)
    }

    func testReportFilesAndTheReplayCaptureAreOwnerOnlyEvenUnderUmask000() throws {
        let reportDirectory = work + "/private"
        let replayCapture = work + "/private-replay.pcapng"
        let result = try runInterposeWithOpenUmask([
            "replay", fixture.capture, "--target", fixture.newBuild.address, "--report", reportDirectory,
            "--capture", replayCapture,
        ])
        assertReplayStatus(result, 1)
        XCTAssertEqual(try permissionBits(reportDirectory), 0o700, "the report directory")
        for name in ["report.json", "junit.xml", "report.html"] {
            XCTAssertEqual(try permissionBits(reportDirectory + "/" + name), 0o600, name)
        }
        XCTAssertEqual(try permissionBits(replayCapture), 0o600, "the replay's capture")
    }

    func testReportHTMLOfTheRegressionRendersInChromium() throws {
        let reportDirectory = work + "/html"
        let result = try runReplay([
            fixture.capture, "--target", fixture.newBuild.address, "--baseline", fixture.baseline.address,
            "--report", reportDirectory,
        ])
        assertReplayStatus(result, 1)
        let html = reportDirectory + "/report.html"
        let shot = try HeadlessChromium.screenshot(of: html, in: work, width: 1280, height: 1600)
        XCTAssertEqual(shot.errors, [], shot.log.suffix(3000).description)
        let png = try PNGHeader(path: shot.png)
        XCTAssertEqual([png.width, png.height], [1280, 1600])
        XCTAssertGreaterThan(png.fileSize, 10_000, "a page, not a blank")
        let (dom, console) = try HeadlessChromium.dumpDOM(of: html, in: work)
        XCTAssertEqual(console.filter(\.isError), [])
        XCTAssertTrue(dom.contains("json:$.plan"), String(dom.prefix(3000)))
        XCTAssertTrue(dom.contains("enterprise"), String(dom.prefix(3000)))
        XCTAssertTrue(dom.contains("REGRESSION: 3 differ, 0 missing, 0 extra in 12 messages"), String(dom.prefix(3000)))
    }

    func testJSONFlagPrintsTheReportDocument() throws {
        let reportDirectory = work + "/json"
        let result = try runReplay([
            fixture.capture, "--target", fixture.newBuild.address, "--baseline", fixture.baseline.address, "--json",
            "--report", reportDirectory,
        ])
        assertReplayStatus(result, 1)
        let printed = try ReplayReportDocument(data: result.stdout)
        assertOnlyUser7Differs(printed)
        let written = try String(contentsOfFile: reportDirectory + "/report.json", encoding: .utf8)
        XCTAssertEqual(
            result.stdoutText.trimmingCharacters(in: .newlines), written.trimmingCharacters(in: .newlines),
            "stdout is report.json's document")
        for key in ["latency", "findings", "conversation_results", "noise", "differences"] {
            XCTAssertNotNil(printed.object[key], "report has \(key)")
        }
        let results = try XCTUnwrap(printed.object["conversation_results"] as? [[String: Any]])
        XCTAssertEqual(results.count, Self.conversations)
        XCTAssertEqual(results.reduce(0) { $0 + (($1["messages"] as? [Any])?.count ?? 0) }, Self.requests)
    }
}
