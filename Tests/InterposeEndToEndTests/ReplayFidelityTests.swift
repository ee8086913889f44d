import Foundation
import InterposeTestSupport
import XCTest

/// A replay whose baseline does not reproduce the recording proves nothing: against real
/// redis-servers and the demo service, a baseline that answers with another status (a Redis
/// started with `requirepass`, one whose `GET` was renamed, a demo service without its Redis that
/// answers 503) makes those messages `unreproducible` (never same, never noise), and the replay
/// fails (exit 1) when there are more than `--max-unreproducible` allows, whatever the target did.
final class ReplayFidelityTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "interpose-replay-fidelity-\(UUID().uuidString)"
            ).path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// redis-cli commands, one connection each: two GETs, two INCRs and the SET they read.
    private let commands: [(arguments: [String], output: String)] = [
        (["SET", "greeting", "hello"], "OK"),
        (["GET", "greeting"], "hello"),
        (["INCR", "visits"], "1"),
        (["INCR", "visits"], "2"),
        (["GET", "greeting"], "hello"),
    ]

    private func recordRedis() throws -> String {
        let recorded = try RedisServer()
        defer { recorded.stop() }
        let capture = work + "/redis.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(recorded.port)", extra: ["--capture", capture])
        for (arguments, output) in commands {
            let cli = try ProcessRunner.run("redis-cli", ["-p", "\(proxy.port)"] + arguments, timeout: 20)
            XCTAssertEqual(cli.status, 0, cli.stderrText)
            XCTAssertEqual(cli.stdoutText.trimmingCharacters(in: .newlines), output, "redis-cli \(arguments)")
        }
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        return capture
    }

    func testABaselineThatRequiresAPasswordReproducesNothingAndFailsTheReplay() throws {
        let capture = try recordRedis()
        let target = try RedisServer()
        let baseline = try RedisServer(arguments: ["--requirepass", "secret"])
        defer {
            target.stop()
            baseline.stop()
        }
        let arguments = [
            capture, "--target", "127.0.0.1:\(target.port)", "--baseline", "127.0.0.1:\(baseline.port)", "--speed",
            "max", "--json",
        ]
        let result = try runReplay(arguments)
        assertReplayStatus(result, 1)
        let report = try ReplayReportDocument(data: result.stdout)
        XCTAssertEqual(report.regression, false, "the target answered like the recording")
        XCTAssertEqual(report.failed, true)
        XCTAssertEqual(report.count("messages_compared"), 5)
        XCTAssertEqual(report.count("same"), 0, "a message the baseline does not reproduce is not same")
        XCTAssertEqual(report.unreproducibleCount, 5, result.stdoutText)
        XCTAssertEqual(report.unreproducible["exceeded"] as? Bool, true)
        XCTAssertEqual(report.unreproducible["allowed"] as? String, "0")
        XCTAssertEqual(
            report.unreproducibleMessages.map(\.request),
            ["SET greeting (2 args)", "GET greeting", "INCR visits", "INCR visits", "GET greeting"])
        for message in report.unreproducibleMessages {
            XCTAssertTrue(message.reason.contains("error (none) -> NOAUTH"), message.reason)
        }
        XCTAssertEqual(report.noise, [], "nothing of a NOAUTH answer is noise")
        XCTAssertTrue(
            report.verdict.hasPrefix(
                "NOT REPRODUCED: 5 of 5 messages unreproducible (the baseline does not reproduce the recording), "
                    + "more than the 0 --max-unreproducible allows"), report.verdict)

        // The text report lists them, with the requests; the last line is the verdict.
        let text = try runReplay(Array(arguments.dropLast()))
        assertReplayStatus(text, 1)
        XCTAssertTrue(text.stdoutText.contains("\nUnreproducible (the baseline does not reproduce the recording;"))
        XCTAssertTrue(text.stdoutText.contains("INCR visits"), text.stdoutText)
        XCTAssertTrue(lastLine(text.stdoutText).hasPrefix("NOT REPRODUCED: 5 of 5"), text.stdoutText)

        // Allowing all of them, the exit status is the target's: it did not regress.
        let allowed = try runReplay(arguments + ["--max-unreproducible", "100%"])
        assertReplayStatus(allowed, 0)
        let allowedReport = try ReplayReportDocument(data: allowed.stdout)
        XCTAssertEqual(allowedReport.failed, false)
        XCTAssertEqual(allowedReport.unreproducibleCount, 5)
        XCTAssertTrue(allowedReport.verdict.hasPrefix("NO REGRESSION: 0 of 5 messages the same, 5 unreproducible"))
    }

    func testOnlyTheMessagesTheBaselineAnswersOtherwiseAreUnreproducibleAndTheTargetStillRegresses() throws {
        let capture = try recordRedis()
        let fresh = try RedisServer()
        let renamedINCR = try RedisServer(arguments: ["--rename-command", "INCR", "INCR_V2"])
        let renamedGET = try RedisServer(arguments: ["--rename-command", "GET", "GET_V2"])
        defer {
            fresh.stop()
            renamedINCR.stop()
            renamedGET.stop()
        }
        func replay(_ target: RedisServer, _ extra: [String]) throws -> (ProcessRunner.Result, ReplayReportDocument) {
            let result = try runReplay(
                [
                    capture, "--target", "127.0.0.1:\(target.port)", "--baseline", "127.0.0.1:\(renamedGET.port)",
                    "--speed", "max", "--json",
                ] + extra)
            return (result, try ReplayReportDocument(data: result.stdout))
        }

        // The GETs are unreproducible (the baseline answers ERR unknown command); the rest is same.
        let (clean, cleanReport) = try replay(fresh, [])
        assertReplayStatus(clean, 1)
        XCTAssertEqual(cleanReport.unreproducibleMessages.map(\.request), ["GET greeting", "GET greeting"])
        XCTAssertTrue(
            cleanReport.unreproducibleMessages.allSatisfy { $0.reason.contains("error (none) -> ERR") },
            "\(cleanReport.unreproducibleMessages)")
        XCTAssertEqual(cleanReport.count("same"), 3)
        XCTAssertEqual(cleanReport.regression, false)
        for (limit, status) in [("2", Int32(0)), ("1", 1), ("40%", 0), ("39.9%", 1), ("100%", 0)] {
            let (result, _) = try replay(fresh, ["--max-unreproducible", limit])
            assertReplayStatus(result, status)
        }

        // A target that broke INCR regresses whatever the limit: the exit status follows the target.
        let (broken, brokenReport) = try replay(renamedINCR, ["--max-unreproducible", "100%"])
        assertReplayStatus(broken, 1)
        XCTAssertEqual(brokenReport.regression, true)
        XCTAssertEqual(brokenReport.count("differs"), 2)
        XCTAssertEqual(Set(brokenReport.differences.map(\.request)), ["INCR visits"])
        XCTAssertEqual(brokenReport.unreproducibleCount, 2)
        XCTAssertEqual(
            brokenReport.verdict,
            "REGRESSION: 2 differ, 0 missing, 0 extra in 5 messages, 2 unreproducible "
                + "(the baseline does not reproduce them)")
    }

    func testABrokenDemoServiceBaselineMakesItsAnswersUnreproducibleNotNoise() throws {
        let recordedRedis = try RedisServer()
        let targetRedis = try RedisServer()
        defer {
            recordedRedis.stop()
            targetRedis.stop()
        }
        let recorded = try DemoServiceProcess(build: 1, redisPort: recordedRedis.port)
        let capture = work + "/service.pcapng"
        let proxy = try InterposeProcess(upstream: recorded.address, extra: ["--capture", capture])
        let base = "http://127.0.0.1:\(proxy.port)"
        for (method, paths) in [
            ("POST", ["/counters/hits", "/counters/hits"]), ("GET", ["/counters/hits", "/health", "/users/3"]),
        ] {
            let curl = try ProcessRunner.run(
                "curl",
                ["-sS", "--max-time", "10", "-X", method, "-w", "%{http_code}\n"]
                    + paths.flatMap { ["-o", "/dev/null", base + $0] }, timeout: 20)
            XCTAssertEqual(curl.status, 0, curl.stderrText)
            XCTAssertEqual(curl.stdoutText, String(repeating: "200\n", count: paths.count), "\(method) \(paths)")
        }
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        recorded.stop()

        let target = try DemoServiceProcess(build: 1, redisPort: targetRedis.port)
        // The baseline has no Redis: its counter routes answer 503.
        let brokenBaseline = try DemoServiceProcess(build: 1)
        defer {
            target.stop()
            brokenBaseline.stop()
        }
        let arguments = [
            capture, "--target", target.address, "--baseline", brokenBaseline.address, "--speed", "max", "--json",
            "--ignore", "header:date", "--report", work + "/report",
        ]
        let result = try runReplay(arguments)
        assertReplayStatus(result, 1)
        let report = try ReplayReportDocument(data: result.stdout)
        XCTAssertEqual(report.regression, false, result.stdoutText)
        XCTAssertEqual(report.count("messages_compared"), 5)
        XCTAssertEqual(report.count("same"), 2, "/health and /users/3, their noise learned from the baseline")
        XCTAssertEqual(
            report.unreproducibleMessages.map(\.request),
            ["POST /counters/hits HTTP/1.1", "POST /counters/hits HTTP/1.1", "GET /counters/hits HTTP/1.1"])
        XCTAssertTrue(
            report.unreproducibleMessages.allSatisfy { $0.reason.contains("(status 200 -> 503)") },
            "\(report.unreproducibleMessages)")
        let noiseFields = Set(report.noise.map(\.field))
        XCTAssertTrue(
            noiseFields.isDisjoint(with: ["status", "json:$.value", "json:$.name", "json:$.error"]),
            "nothing of the 503 answers was learned as noise: \(noiseFields)")
        XCTAssertTrue(noiseFields.contains("json:$.served_at"), "\(noiseFields)")
        let junit = try String(contentsOfFile: work + "/report/junit.xml", encoding: .utf8)
        XCTAssertTrue(junit.contains(#"<failure type="unreproducible" message="3 of 5 messages unreproducible"#), junit)
        let html = try String(contentsOfFile: work + "/report/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<section id=\"unreproducible\">"))
        XCTAssertTrue(html.contains("POST /counters/hits HTTP/1.1"))

        let allowed = try runReplay(arguments.dropLast(2) + ["--max-unreproducible", "100%"])
        assertReplayStatus(allowed, 0)
    }

    func testAPostgresBaselineWithoutTheTableAnswersWithASQLSTATEAndReproducesNoQuery() throws {
        let recorded = try PostgresServer()
        let target = try PostgresServer()
        let baseline = try PostgresServer()
        defer {
            recorded.stop()
            target.stop()
            baseline.stop()
        }
        func psql(_ server: PostgresServer, _ database: String, _ commands: [String]) throws {
            let result = try ProcessRunner.run(
                "psql",
                [
                    "-h", "127.0.0.1", "-p", "\(server.port)", "-U", "postgres", "-X", "-At", "-v", "ON_ERROR_STOP=1",
                    "-d", database,
                ] + commands.flatMap { ["-c", $0] }, timeout: 30)
            XCTAssertEqual(result.status, 0, "psql \(commands): \(result.stderrText)")
        }
        for server in [recorded, target, baseline] { try psql(server, "postgres", ["CREATE DATABASE app"]) }
        // The baseline has the database but not the table.
        for server in [recorded, target] {
            try psql(server, "app", ["CREATE TABLE users(id int, name text)", "INSERT INTO users VALUES (1, 'ann')"])
        }
        let capture = work + "/postgres.pcap"
        let tcpdump = try LoopbackCapture(path: capture, ports: [recorded.port])
        try psql(recorded, "app", ["SELECT id, name FROM users ORDER BY id"])
        try psql(recorded, "app", ["INSERT INTO users VALUES (2, 'bob')", "SELECT count(*) FROM users"])
        tcpdump.stop()

        let arguments = [
            capture, "--target", "127.0.0.1:\(target.port)", "--baseline", "127.0.0.1:\(baseline.port)", "--json",
        ]
        let result = try runReplay(arguments)
        assertReplayStatus(result, 1)
        let report = try ReplayReportDocument(data: result.stdout)
        XCTAssertEqual(report.regression, false, result.stdoutText)
        XCTAssertEqual(
            report.unreproducibleMessages.map(\.request).filter { $0.contains("users") }.count, 3,
            "\(report.unreproducibleMessages)")
        for message in report.unreproducibleMessages {
            XCTAssertTrue(message.reason.contains("error.code (none) -> 42P01"), message.reason)
        }
        XCTAssertFalse(
            report.noise.contains { $0.field.hasPrefix("error") || $0.field.hasPrefix("row") },
            "nothing of the errors was learned as noise: \(report.noise)")
        assertReplayStatus(try runReplay(arguments + ["--max-unreproducible", "100%"]), 0)
    }

    func testBadMaxUnreproducibleIsOneLineAndExitTwo() throws {
        for value in ["101%", "-1", "abc", "5 %", "1.5", "%", "-0.5%", "nan%", "1e300"] {
            let result = try runReplay([
                work + "/never-read.pcapng", "--target", "127.0.0.1:1", "--max-unreproducible=\(value)",
            ])
            assertReplayStatus(result, 2)
            let lines = result.stderrText.split(separator: "\n")
            XCTAssertEqual(
                lines.first.map(String.init),
                "interpose: The value '\(value)' is invalid for '--max-unreproducible <N|PERCENT%>': must be a whole "
                    + "number from 0 to 1000000000000 (messages) or a percentage from 0% to 100%", result.stderrText)
            XCTAssertLessThanOrEqual(lines.count, 2, "the line and at most a usage hint: \(result.stderrText)")
        }
    }
}
