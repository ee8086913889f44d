import Foundation
import InterposeTestSupport
import XCTest

/// `interpose replay` of PostgreSQL traffic: psql sessions against database `app` on one real
/// PostgreSQL server, recorded by tcpdump, replayed (startup message and all, so against that
/// server's twin database `app` on a second server) with identical data (no regression), with one
/// row's plan changed (exactly that cell differs) and with the column renamed (the queries that
/// name it fail: error fields differ).
final class ReplayPostgresTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-replay-pg-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private static let select = "SELECT id, name, plan FROM users ORDER BY id"
    private static let insert = "INSERT INTO users VALUES (4, 'dee', 'pro')"
    private static let selectInserted = "SELECT id, name, plan FROM users WHERE id = 4"

    /// psql as a user runs it (`-X`, sslmode left at its default), unaligned tuples only; each
    /// `-c` is one simple query. Fails the test when psql does.
    @discardableResult
    private func psql(_ server: PostgresServer, database: String, _ commands: [String]) throws -> String {
        let result = try ProcessRunner.run(
            "psql",
            [
                "-h", "127.0.0.1", "-p", "\(server.port)", "-U", "postgres", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d",
                database,
            ]
                + commands.flatMap { ["-c", $0] }, timeout: 30)
        XCTAssertEqual(result.status, 0, "psql \(commands): \(result.stderrText)")
        return result.stdoutText
    }

    /// Database `app` with the three users.
    private func createApp(on server: PostgresServer) throws {
        try psql(server, database: "postgres", ["CREATE DATABASE app"])
        try psql(
            server, database: "app",
            [
                "CREATE TABLE users(id int, name text, plan text)",
                "INSERT INTO users VALUES (1, 'ann', 'free'), (2, 'bob', 'pro'), (3, 'cy', 'free')",
            ])
    }

    func testPostgresReplayComparesRowsAndErrors() throws {
        let recorded = try PostgresServer()
        let target = try PostgresServer()
        defer {
            recorded.stop()
            target.stop()
        }
        try createApp(on: recorded)
        try createApp(on: target)

        let capture = work + "/postgres.pcap"
        let tcpdump = try LoopbackCapture(path: capture, ports: [recorded.port])
        XCTAssertEqual(try psql(recorded, database: "app", [Self.select]), "1|ann|free\n2|bob|pro\n3|cy|free\n")
        XCTAssertEqual(
            try psql(recorded, database: "app", [Self.insert, Self.selectInserted]), "INSERT 0 1\n4|dee|pro\n")
        tcpdump.stop()

        // Identical data: the startup answers (parameters, BackendKeyData) differ between servers
        // only where they must, and every row is the same.
        let same = try runReplay([capture, "--target", "127.0.0.1:\(target.port)", "--json"])
        assertReplayStatus(same, 0)
        let sameReport = try ReplayReportDocument(data: same.stdout)
        XCTAssertEqual(sameReport.differences, [])
        XCTAssertEqual(sameReport.count("conversations"), 2)
        XCTAssertEqual(sameReport.count("differs"), 0)
        XCTAssertEqual(sameReport.count("missing"), 0)
        XCTAssertEqual(sameReport.count("extra"), 0)
        XCTAssertEqual(sameReport.noise, [], "nothing needed cancelling")
        let applications = (sameReport.object["conversation_results"] as? [[String: Any]] ?? []).map {
            $0["application"] as? String ?? ""
        }
        XCTAssertEqual(applications, ["postgres", "postgres"])
        XCTAssertEqual(
            try psql(target, database: "app", ["SELECT count(*) FROM users WHERE id = 4"]), "1\n",
            "the replay's INSERT ran")

        // One cell changed (and the row the first replay inserted taken out again).
        try psql(
            target, database: "app",
            ["DELETE FROM users WHERE id = 4", "UPDATE users SET plan = 'enterprise' WHERE id = 2"])
        let changed = try runReplay([capture, "--target", "127.0.0.1:\(target.port)", "--json"])
        assertReplayStatus(changed, 1)
        let changedReport = try ReplayReportDocument(data: changed.stdout)
        XCTAssertEqual(
            changedReport.differences.map { [$0.request, $0.field, $0.recorded ?? "nil", $0.replayed ?? "nil"] },
            [[Self.select, "row[1].plan", "pro", "enterprise"]])
        XCTAssertEqual(changedReport.count("differs"), 1)

        // The column renamed: both queries that name it fail; the INSERT (by position) still works.
        try psql(
            target, database: "app",
            [
                "DELETE FROM users WHERE id = 4", "UPDATE users SET plan = 'pro' WHERE id = 2",
                "ALTER TABLE users RENAME COLUMN plan TO tier",
            ])
        let renamed = try runReplay([capture, "--target", "127.0.0.1:\(target.port)", "--json"])
        assertReplayStatus(renamed, 1)
        let renamedReport = try ReplayReportDocument(data: renamed.stdout)
        let differences = renamedReport.differences
        XCTAssertEqual(renamedReport.count("differs"), 2)
        XCTAssertEqual(Set(differences.map(\.request)), [Self.select, Self.selectInserted], "\(differences)")
        for query in [Self.select, Self.selectInserted] {
            let errors = differences.filter { $0.request == query && $0.field.hasPrefix("error.") }
            XCTAssertEqual(
                errors.map { [$0.field, $0.recorded ?? "nil", $0.replayed ?? "nil"] },
                [
                    ["error.severity", "nil", "ERROR"], ["error.code", "nil", "42703"],
                    ["error.message", "nil", #"column "plan" does not exist"#],
                ], "\(query): \(differences)")
            let gone = differences.filter { $0.request == query && !$0.field.hasPrefix("error.") }
            XCTAssertTrue(gone.allSatisfy { $0.replayed == nil }, "the recorded rows are gone: \(gone)")
            XCTAssertTrue(gone.contains { $0.field == "columns" && $0.recorded == "id,name,plan" }, "\(gone)")
        }
    }
}
