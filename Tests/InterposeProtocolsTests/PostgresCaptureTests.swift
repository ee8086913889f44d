import Foundation
import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeReader
import InterposeTestSupport
import XCTest

/// Drives a `ConversationDissector` per conversation of a capture and collects what they say.
private struct DissectingConsumer: FrameConsumer {
    var conversations: [ConnectionID: ConversationDissector] = [:]
    var detected: [ApplicationProtocol?] = []
    var messages: [Message] = []
    var findings: [DissectorFinding] = []

    mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        conversations[connection.id] = ConversationDissector(connection: connection)
    }

    mutating func consume(_ frame: Frame) {
        var output = DissectorOutput()
        conversations[frame.connection]?.consume(frame, into: &output)
        messages += output.messages
        findings += output.findings
    }

    mutating func connectionClosed(_ summary: ConnectionSummary) {
        detected.append(conversations[summary.descriptor.id]?.detection?.application)
        conversations[summary.descriptor.id] = nil
    }
}

/// psql and pgbench against a real PostgreSQL, captured on loopback, dissected, and counted
/// against tshark's own PostgreSQL dissector.
final class PostgresCaptureTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-pg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// How many of each PostgreSQL message type tshark reads in the capture (`Simple query`, `Error`...).
    private func tsharkMessageTypes(_ path: String, port: UInt16) throws -> [String: Int] {
        let text = try TShark.run([
            "-r", path, "-d", "tcp.port==\(port),pgsql", "-Y", "pgsql", "-T", "fields", "-e", "pgsql.type",
        ])
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            for type in line.split(separator: ",") { counts[String(type), default: 0] += 1 }
        }
        return counts
    }

    func testPsqlAndPgbenchAgainstPostgresAreDissectedAsTSharkReadsThem() throws {
        let postgres = try PostgresServer()
        defer { postgres.stop() }
        let psql = try ProcessRunner.require("psql", package: "postgresql-client")
        let pgbench = try ProcessRunner.require("pgbench", package: "postgresql-client")
        let path = "\(work)/postgres.pcap"
        let capture = try LoopbackCapture(path: path, ports: [postgres.port])
        let connection = ["-h", "127.0.0.1", "-p", "\(postgres.port)", "-U", "postgres"]
        // psql's default sslmode (prefer) sends an SSLRequest the server refuses with 'N'.
        let script = """
            CREATE TABLE items (id int PRIMARY KEY, name text);
            INSERT INTO items VALUES (1, 'a'), (2, 'b');
            SELECT * FROM items;
            SELECT * FROM missing;
            COPY items FROM STDIN;
            3\tc
            4\td
            \\.
            BEGIN;
            SELECT count(*) FROM items;
            COMMIT;

            """
        let session = try ProcessRunner.run(
            psql, connection + ["-X", "-f", "-", "postgres"], stdin: Data(script.utf8), timeout: 60)
        XCTAssertTrue(session.stderrText.contains("relation \"missing\" does not exist"), session.stderrText)
        let environment = ["PGSSLMODE": "disable"]
        for arguments in [["-i", "-s", "1"], ["-t", "20", "-M", "extended"], ["-t", "20", "-M", "simple"]] {
            let run = try ProcessRunner.run(
                pgbench, connection + arguments + ["postgres"], timeout: 120, environment: environment)
            XCTAssertEqual(run.status, 0, "pgbench \(arguments): \(run.stderrText)")
        }
        capture.stop()

        let reader = try CaptureReader(path: path)
        var consumer = DissectingConsumer()
        _ = reader.read(into: &consumer)
        let types = try tsharkMessageTypes(path, port: postgres.port)

        XCTAssertFalse(consumer.detected.isEmpty)
        XCTAssertTrue(consumer.detected.allSatisfy { $0 == .postgres }, "\(consumer.detected)")
        XCTAssertEqual(consumer.findings.filter { $0.severity >= .warning }, [])
        let requests = consumer.messages.filter { $0.role == .request }
        let responses = consumer.messages.filter { $0.role == .response }
        XCTAssertEqual(requests.filter { $0.name == "Query" }.count, types["Simple query"] ?? -1, "\(types)")
        XCTAssertEqual(requests.filter { $0.name == "Extended" }.count, types["Sync"] ?? -1, "\(types)")
        XCTAssertEqual(responses.filter { $0.status?.isFailure == true }.count, types["Error"] ?? -1, "\(types)")
        XCTAssertEqual(responses.filter { $0.key != "SSLRequest" }.count, types["Ready for query"] ?? -1, "\(types)")
        XCTAssertEqual(requests.filter { $0.name == "Startup" }.count, types["Startup message"] ?? -1, "\(types)")
        XCTAssertGreaterThan(requests.filter { $0.name == "SSLRequest" }.count, 0)
        XCTAssertGreaterThanOrEqual(requests.filter { $0.name == "Extended" && $0.key == "UPDATE" }.count, 60)

        let failed = responses.filter { $0.status?.isFailure == true }
        XCTAssertEqual(failed.first?.status, MessageStatus(.clientError, code: "42P01"))
        XCTAssertTrue(
            failed.first?.summary.hasPrefix("ERROR 42P01: relation \"missing\" does not exist") ?? false, "\(failed)")
        let copied = responses.filter { $0.summary.hasPrefix("COPY") }.map(\.summary)
        XCTAssertTrue(copied.contains("COPY 2"), "\(copied)")
        XCTAssertTrue(copied.contains { $0.hasPrefix("COPY 100000") }, "\(copied)")
        XCTAssertTrue(responses.contains { $0.summary == "BEGIN [in transaction]" })
        let keys = Set(requests.map(\.key))
        for key in ["CREATE TABLE", "INSERT", "SELECT", "COPY", "BEGIN", "UPDATE", "Terminate"] {
            XCTAssertTrue(keys.contains(key), "\(key) in \(keys.sorted())")
        }
    }
}
