import Foundation
import InterposeTestSupport
import XCTest

/// Stateful replay of Redis and PostgreSQL: ids a real server generated (an `INCR` reply, an
/// identity column's `RETURNING id`) and that later commands and queries named, replayed against
/// servers whose counters start elsewhere (target and baseline at different starts).
final class ReplayCorrelationStoreTests: XCTestCase {
    private var work = ""
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "interpose-correlate-store-\(UUID().uuidString)"
            ).path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func redis(_ server: RedisServer, _ arguments: [String]) throws -> String {
        let cli = try ProcessRunner.run("redis-cli", ["-p", "\(server.port)"] + arguments, timeout: 20)
        XCTAssertEqual(cli.status, 0, cli.stderrText)
        return cli.stdoutText.trimmingCharacters(in: .newlines)
    }

    /// The rows of a report's conversations, in recorded order: each message's replayed text.
    private func replayedTexts(_ report: ReplayReportDocument) -> [String] {
        (report.object["conversation_results"] as? [[String: Any]] ?? []).flatMap { conversation in
            (conversation["messages"] as? [[String: Any]] ?? []).map { $0["replayed_text"] as? String ?? "" }
        }
    }

    private func correlationRows(_ report: ReplayReportDocument) -> [String] {
        (report.object["correlations"] as? [[String: Any]] ?? []).map { row in
            "\(row["from"] as? String ?? "") \(row["field"] as? String ?? "") => "
                + (row["sent_back"] as? [String] ?? []).joined(separator: ", ")
                + " applied \(row["applied"] as? Int ?? -1) of \(row["uses"] as? Int ?? -1)"
        }
    }

    func testKeysNamedByAnINCRReplyAreReadBackFromServersWhoseCounterStartsElsewhere() throws {
        let recorded = try RedisServer()
        let baseline = try RedisServer()
        let target = try RedisServer()
        defer { [recorded, baseline, target].forEach { $0.stop() } }
        for (server, start) in [(recorded, "1000"), (baseline, "3000"), (target, "5000")] {
            XCTAssertEqual(try redis(server, ["SET", "next-id", start]), "OK")
        }
        let capture = work + "/redis.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(recorded.port)", extra: ["--capture", capture])
        // One connection takes an id and writes and reads the item it names; a second reads it again.
        let session = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        session.setTimeout(10)
        func command(_ socket: BlockingSocket, _ words: String..., reply: String) throws {
            try socket.send("*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined())
            XCTAssertEqual(String(decoding: try socket.receive(exactly: reply.utf8.count), as: UTF8.self), reply)
        }
        try command(session, "INCR", "next-id", reply: ":1001\r\n")
        try command(session, "HSET", "item:1001", "name", "lamp", reply: ":1\r\n")
        try command(session, "HGET", "item:1001", "name", reply: "$4\r\nlamp\r\n")
        session.close()
        XCTAssertEqual(try redis(target, ["DBSIZE"]), "1")
        let again = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        again.setTimeout(10)
        try command(again, "HGET", "item:1001", "name", reply: "$4\r\nlamp\r\n")
        again.close()
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)

        let arguments = [
            capture, "--target", "127.0.0.1:\(target.port)", "--baseline", "127.0.0.1:\(baseline.port)", "--speed",
            "max", "--json",
        ]
        let result = try runReplay(arguments)
        assertReplayStatus(result, 0)
        let report = try ReplayReportDocument(data: result.stdout)
        XCTAssertEqual(report.differences, [])
        XCTAssertEqual(replayedTexts(report), ["(integer) 5001", "(integer) 1", "\"lamp\"", "\"lamp\""])
        XCTAssertEqual(try redis(target, ["HGET", "item:5001", "name"]), "lamp", "the item the target's id named")
        XCTAssertEqual(try redis(target, ["EXISTS", "item:1001"]), "0")
        XCTAssertEqual(
            correlationRows(report), ["INCR reply => arg[1] in HGET, arg[1] in HSET applied 3 of 3"], "\(report.object)"
        )
    }

    func testIdsReturnedByInsertAreReadBackBySimpleQueriesAndBindParametersWhereSequencesStartElsewhere() throws {
        let python = Self.packageRoot.appendingPathComponent(".build/venv/bin/python3").path
        let probe = try ProcessRunner.run(python, ["-c", "import pg8000.native"], timeout: 30)
        XCTAssertEqual(probe.status, 0, "pg8000 is missing from .build/venv: run scripts/setup (\(probe.stderrText))")
        guard probe.status == 0 else { return }
        let recorded = try PostgresServer()
        let baseline = try PostgresServer()
        let target = try PostgresServer()
        let changed = try PostgresServer()
        defer { [recorded, baseline, target, changed].forEach { $0.stop() } }
        for (server, start, color) in [
            (recorded, 100, "red"), (baseline, 300, "red"), (target, 500, "red"), (changed, 700, "blue"),
        ] {
            try psql(server, database: "postgres", ["CREATE DATABASE app"])
            try psql(
                server, database: "app",
                [
                    "CREATE TABLE items(id int GENERATED BY DEFAULT AS IDENTITY (START WITH \(start)) PRIMARY KEY, "
                        + "name text, color text DEFAULT '\(color)')"
                ])
        }
        let capture = work + "/postgres.pcapng"
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(recorded.port)", extra: ["--capture", capture])
        // psql: simple queries, the id through a psql variable into the SQL text.
        let script = work + "/session.sql"
        try Data(
            """
            INSERT INTO items(name) VALUES ('lamp') RETURNING id \\gset
            SELECT id, name, color FROM items WHERE id = :id;

            """.utf8
        ).write(to: URL(fileURLWithPath: script))
        XCTAssertEqual(try psql(proxy.port, database: "app", file: script), "INSERT 0 1\n100|lamp|red\n")
        // pg8000: the extended protocol, the id as a Bind parameter.
        let client = work + "/client.py"
        try Data(
            """
            import sys, pg8000.native
            connection = pg8000.native.Connection("postgres", host="127.0.0.1", port=int(sys.argv[1]), database="app")
            item = connection.run("INSERT INTO items(name) VALUES (:name) RETURNING id", name="desk")[0][0]
            print(connection.run("SELECT id, name, color FROM items WHERE id = :id", id=item))
            connection.close()

            """.utf8
        ).write(to: URL(fileURLWithPath: client))
        let bound = try ProcessRunner.run(python, [client, "\(proxy.port)"], timeout: 30)
        XCTAssertEqual(bound.status, 0, bound.stderrText)
        XCTAssertEqual(bound.stdoutText, "[[101, 'desk', 'red']]\n")
        // A later connection reads the first item by the id the first session was handed.
        XCTAssertEqual(
            try psql(proxy.port, database: "app", command: "SELECT name FROM items WHERE id = 100"), "lamp\n")
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)

        let same = try runReplay([
            capture, "--target", "127.0.0.1:\(target.port)", "--baseline", "127.0.0.1:\(baseline.port)", "--speed",
            "max", "--json",
        ])
        assertReplayStatus(same, 0)
        let sameReport = try ReplayReportDocument(data: same.stdout)
        XCTAssertEqual(sameReport.differences, [])
        XCTAssertEqual(
            try psql(target.port, database: "app", command: "SELECT id, name FROM items ORDER BY id"),
            "500|lamp\n501|desk\n")
        let rows = correlationRows(sameReport)
        XCTAssertTrue(rows.contains("INSERT row[*].id => sql in SELECT applied 2 of 2"), "\(rows)")
        XCTAssertTrue(rows.contains { $0.contains(" => bind[0] in ") && $0.hasSuffix("applied 1 of 1") }, "\(rows)")
        let texts = replayedTexts(sameReport).joined(separator: "\n")
        XCTAssertTrue(texts.contains("500 | lamp | red"), texts)
        XCTAssertTrue(texts.contains("501 | desk | red"), texts)

        let field = try runReplay([
            capture, "--target", "127.0.0.1:\(changed.port)", "--baseline", "127.0.0.1:\(baseline.port)",
            "--speed", "max", "--json",
        ])
        assertReplayStatus(field, 1)
        let fieldReport = try ReplayReportDocument(data: field.stdout)
        // The psql read names its columns; pg8000's rows come in an exchange of their own after the
        // Describe that named them, so their cells are `row[0][2]`, which the baseline's noise on the
        // id (`row[*][*]` for that request key) covers: the change is found once, where it is named.
        XCTAssertEqual(
            fieldReport.differences.map { "\($0.request) \($0.field) \($0.recorded ?? "-") \($0.replayed ?? "-")" },
            ["SELECT id, name, color FROM items WHERE id = 100; row[0].color red blue"])
    }

    @discardableResult
    private func psql(_ server: PostgresServer, database: String, _ commands: [String]) throws -> String {
        try psql(server.port, database: database, arguments: commands.flatMap { ["-c", $0] })
    }

    private func psql(_ port: UInt16, database: String, command: String) throws -> String {
        try psql(port, database: database, arguments: ["-c", command])
    }

    private func psql(_ port: UInt16, database: String, file: String) throws -> String {
        try psql(port, database: database, arguments: ["-f", file])
    }

    /// psql as a user runs it (`-X`), unaligned tuples only; fails the test when psql does.
    private func psql(_ port: UInt16, database: String, arguments: [String]) throws -> String {
        let result = try ProcessRunner.run(
            "psql",
            [
                "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d",
                database,
            ]
                + arguments, timeout: 30)
        XCTAssertEqual(result.status, 0, "psql \(arguments): \(result.stderrText)")
        return result.stdoutText
    }
}
