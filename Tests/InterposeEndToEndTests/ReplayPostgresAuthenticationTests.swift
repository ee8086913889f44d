import Foundation
import InterposeTestSupport
import XCTest

/// `interpose replay` against PostgreSQL servers that want a password: the recorded password
/// messages are not replayed; `--pg-password` answers the target's own md5 or SCRAM-SHA-256
/// challenge, and without it the conversation stops with a line that says what to pass.
final class ReplayPostgresAuthenticationTests: XCTestCase {
    private var work = ""
    private static let password = "s3cret 'quoted'"

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-pg-auth-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    @discardableResult
    private func psql(_ server: PostgresServer, _ commands: [String]) throws -> String {
        let result = try ProcessRunner.run(
            "psql",
            [
                "-h", "127.0.0.1", "-p", "\(server.port)", "-U", "postgres", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d",
                "postgres",
            ]
                + commands.flatMap { ["-c", $0] }, timeout: 30, environment: ["PGPASSWORD": Self.password])
        XCTAssertEqual(result.status, 0, "psql \(commands): \(result.stderrText)")
        return result.stdoutText
    }

    /// Records one psql session against a server with this authentication and replays it against
    /// the same server with and without the password.
    private func replayAgainst(_ authentication: PostgresServer.Authentication, method: String) throws {
        let server = try PostgresServer(authentication: authentication)
        defer { server.stop() }
        let refused = try ProcessRunner.run(
            "psql",
            ["-h", "127.0.0.1", "-p", "\(server.port)", "-U", "postgres", "-X", "-w", "-c", "SELECT 1", "postgres"],
            timeout: 30)
        XCTAssertNotEqual(refused.status, 0, "the server wants a password: \(refused.stdoutText)")
        try psql(
            server,
            [
                "CREATE TABLE IF NOT EXISTS plans(id int, name text)", "TRUNCATE plans",
                "INSERT INTO plans VALUES (1, 'free'), (2, 'pro')",
            ])

        let capture = work + "/\(method).pcap"
        let tcpdump = try LoopbackCapture(path: capture, ports: [server.port])
        XCTAssertEqual(try psql(server, ["SELECT id, name FROM plans ORDER BY id"]), "1|free\n2|pro\n")
        tcpdump.stop()

        let answered = try runReplay([
            capture, "--target", "127.0.0.1:\(server.port)", "--pg-password", Self.password, "--json",
        ])
        assertReplayStatus(answered, 0)
        let report = try ReplayReportDocument(data: answered.stdout)
        XCTAssertEqual(report.differences, [], "\(method)")
        XCTAssertEqual(report.count("same"), report.count("messages_compared"))
        XCTAssertGreaterThanOrEqual(report.count("messages_compared") ?? 0, 2)
        // Each request's text is its own bytes: the password and SASL messages after the startup are
        // stepped over, not shown as the next query.
        let messages = (report.object["conversation_results"] as? [[String: Any]] ?? []).flatMap {
            $0["messages"] as? [[String: Any]] ?? []
        }
        let texts = messages.compactMap { $0["request_text"] as? String }
        XCTAssertTrue(texts.contains("SELECT id, name FROM plans ORDER BY id"), "\(method): \(texts)")
        XCTAssertFalse(texts.contains { $0.contains("password or SASL") }, "\(method): \(texts)")

        // The recorded user's own password, among others' (repeatable USER=PASSWORD).
        let byUser = try runReplay([
            capture, "--target", "127.0.0.1:\(server.port)", "--pg-password", "reporting=other",
            "--pg-password", "postgres=\(Self.password)", "--json",
        ])
        assertReplayStatus(byUser, 0)
        XCTAssertEqual(try ReplayReportDocument(data: byUser.stdout).differences, [], "\(method)")

        let unanswered = try runReplay([
            capture, "--target", "127.0.0.1:\(server.port)", "--pg-password", "reporting=other",
        ])
        assertReplayStatus(unanswered, 1)
        XCTAssertTrue(
            unanswered.stdoutText.contains("for user postgres: pass --pg-password"),
            unanswered.stdoutText)
    }

    func testMD5ChallengeIsAnsweredWithPgPassword() throws {
        try replayAgainst(.md5(password: Self.password), method: "md5")
    }

    func testSCRAMChallengeIsAnsweredWithPgPassword() throws {
        try replayAgainst(.scram(password: Self.password), method: "scram")
    }
}
