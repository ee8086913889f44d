import InterposeCapture
import InterposeCore
import InterposeProtocols
import XCTest

/// Builds PostgreSQL protocol 3 messages byte by byte.
private enum PG {
    static func int32(_ value: Int32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func int16(_ value: Int16) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

    static func message(_ type: Character, _ body: [UInt8] = []) -> [UInt8] {
        [type.asciiValue!] + int32(Int32(body.count + 4)) + body
    }

    static func startup(user: String = "alice", database: String = "shop") -> [UInt8] {
        let body =
            int32(196_608) + cString("user") + cString(user) + cString("database") + cString(database)
            + cString("application_name") + cString("psql") + [0]
        return int32(Int32(body.count + 4)) + body
    }

    static let sslRequest = int32(8) + int32(80_877_103)

    static func authentication(_ code: Int32, _ extra: [UInt8] = []) -> [UInt8] { message("R", int32(code) + extra) }
    static func parameter(_ name: String, _ value: String) -> [UInt8] { message("S", cString(name) + cString(value)) }
    static let backendKey = message("K", int32(4242) + int32(99))
    static func ready(_ state: Character = "I") -> [UInt8] { message("Z", [state.asciiValue!]) }
    static func query(_ sql: String) -> [UInt8] { message("Q", cString(sql)) }
    static func complete(_ tag: String) -> [UInt8] { message("C", cString(tag)) }

    static func rowDescription(_ names: [String]) -> [UInt8] {
        var body = int16(Int16(names.count))
        for name in names {
            body += cString(name)
            body += int32(0) + int16(0)
            body += int32(25) + int16(-1)
            body += int32(-1) + int16(0)
        }
        return message("T", body)
    }

    static func dataRow(_ values: [String]) -> [UInt8] {
        var body = int16(Int16(values.count))
        for value in values { body += int32(Int32(value.utf8.count)) + Array(value.utf8) }
        return message("D", body)
    }

    static func error(_ severity: String = "ERROR", _ code: String, _ text: String) -> [UInt8] {
        var body: [UInt8] = []
        for (field, value) in [("S", severity), ("V", severity), ("C", code), ("M", text), ("F", "parse_relation.c")] {
            body += Array(field.utf8) + cString(value)
        }
        return message("E", body + [0])
    }

    static func parse(_ sql: String, name: String = "") -> [UInt8] {
        message("P", cString(name) + cString(sql) + int16(0))
    }
    static func bind(_ statement: String = "") -> [UInt8] {
        message("B", cString("") + cString(statement) + int16(0) + int16(0) + int16(0))
    }
    static let describePortal = message("D", [UInt8(ascii: "P")] + cString(""))
    static let execute = message("E", cString("") + int32(0))
    static let sync = message("S")
    static let terminate = message("X")

    /// The server's answer to trust authentication.
    static let trustAnswer =
        authentication(0) + parameter("server_version", "15.8") + parameter("client_encoding", "UTF8")
        + backendKey + ready()
}

final class PostgresDissectorTests: XCTestCase {
    private let chunks = [1, 3, 64, Int.max]

    func testStartupWithTrustAuthenticationIsOneRequestAndItsResponse() {
        for chunk in chunks {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.startup(), chunk: chunk)
            h.send(.serverToClient, PG.trustAnswer, chunk: chunk)
            h.send(.clientToServer, PG.terminate, chunk: chunk)
            h.end()
            XCTAssertEqual(h.requests.map(\.name), ["Startup", "Terminate"], "chunk \(chunk)")
            XCTAssertEqual(h.requests.first?.summary, "startup user=alice database=shop")
            XCTAssertEqual(h.requests.map(\.expectsResponse), [true, false])
            XCTAssertEqual(h.responses.map(\.answers), [0])
            XCTAssertEqual(h.responses.first?.summary, "authenticated (trust), server 15.8")
            XCTAssertEqual(h.responses.first?.status, MessageStatus(.success, code: "00000"))
            XCTAssertEqual(h.responses.first?.bytes, Int64(PG.trustAnswer.count))
            XCTAssertEqual(h.events, [], "parameters during the startup belong to its response")
            XCTAssertTrue(h.output.messages.allSatisfy { $0.version == "3.0" && $0.application == .postgres })
            XCTAssertEqual(h.output.findings, [])
        }
    }

    func testSCRAMAuthenticationExchangeIsPartOfTheStartup() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.startup())
        h.send(.serverToClient, PG.authentication(10, PG.cString("SCRAM-SHA-256") + [0]))
        h.send(.clientToServer, PG.message("p", PG.cString("SCRAM-SHA-256") + PG.int32(4) + Array("n,,x".utf8)))
        h.send(.serverToClient, PG.authentication(11, Array("r=abc".utf8)))
        h.send(.clientToServer, PG.message("p", Array("c=biws,r=abc,p=xyz".utf8)))
        h.send(.serverToClient, PG.authentication(12, Array("v=xyz".utf8)) + PG.trustAnswer)
        h.end()
        XCTAssertEqual(h.requests.map(\.name), ["Startup"])
        XCTAssertEqual(h.responses.map(\.summary), ["authenticated (SASL SCRAM-SHA-256), server 15.8"])
        XCTAssertEqual(h.output.findings, [])
    }

    func testWrongPasswordIsAnAuthenticationFailure() {
        for chunk in chunks {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.startup(), chunk: chunk)
            h.send(.serverToClient, PG.authentication(5, [1, 2, 3, 4]), chunk: chunk)
            h.send(.clientToServer, PG.message("p", PG.cString("md5abcdef")), chunk: chunk)
            h.send(
                .serverToClient, PG.error("FATAL", "28P01", "password authentication failed for user \"alice\""),
                chunk: chunk)
            h.end()
            XCTAssertEqual(
                h.responses.map(\.status), [MessageStatus(.authenticationFailure, code: "28P01")], "chunk \(chunk)")
            XCTAssertEqual(h.responses.first?.summary, "FATAL 28P01: password authentication failed for user \"alice\"")
            XCTAssertEqual(h.output.findings, [])
        }
    }

    func testSimpleQueryWithRowsIsKeyedByStatementKind() {
        for chunk in chunks {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.startup(), chunk: chunk)
            h.send(.serverToClient, PG.trustAnswer, chunk: chunk)
            h.send(.clientToServer, PG.query("select id,\n  name from users\twhere id < 4;"), chunk: chunk)
            h.send(
                .serverToClient,
                PG.rowDescription(["id", "name"]) + PG.dataRow(["1", "a"]) + PG.dataRow(["2", "b"])
                    + PG.dataRow(["3", "c"]) + PG.complete("SELECT 3") + PG.ready(), chunk: chunk)
            h.send(.clientToServer, PG.query("/* hi */ CREATE UNIQUE INDEX i ON users (id)"), chunk: chunk)
            h.send(.serverToClient, PG.complete("CREATE INDEX") + PG.ready(), chunk: chunk)
            h.end()
            XCTAssertEqual(h.requests.map(\.name), ["Startup", "Query", "Query"], "chunk \(chunk)")
            XCTAssertEqual(h.requests.map(\.key), ["Startup", "SELECT", "CREATE INDEX"])
            XCTAssertEqual(h.requests[1].summary, "select id, name from users where id < 4;")
            XCTAssertEqual(
                h.responses.map(\.summary), ["authenticated (trust), server 15.8", "SELECT 3", "CREATE INDEX"])
            XCTAssertEqual(h.responses.map(\.key), ["Startup", "SELECT", "CREATE INDEX"])
            XCTAssertEqual(h.responses.map(\.answers), h.requests.map(\.index))
            XCTAssertEqual(h.output.messages.map(\.index), Array(0..<6))
            XCTAssertEqual(h.output.findings, [])
        }
    }

    func testResultRowsFingerprintTheResponseWhateverTheReadSizes() {
        func fingerprint(_ rows: [[String]], chunk: Int) -> UInt64? {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.startup())
            h.send(.serverToClient, PG.trustAnswer)
            h.send(.clientToServer, PG.query("select name from users"))
            h.send(
                .serverToClient,
                PG.rowDescription(["name"]) + rows.flatMap { PG.dataRow($0) } + PG.complete("SELECT \(rows.count)")
                    + PG.ready(), chunk: chunk)
            h.end()
            return h.responses.last?.bodyFingerprint
        }
        let rows = [["alice"], ["bob"]]
        let reference = fingerprint(rows, chunk: .max)
        XCTAssertNotEqual(reference, 0)
        for chunk in chunks { XCTAssertEqual(fingerprint(rows, chunk: chunk), reference, "chunk \(chunk)") }
        XCTAssertNotEqual(fingerprint([["alice"], ["bobby"]], chunk: .max), reference, "a changed value")
        XCTAssertNotEqual(fingerprint([["alice"]], chunk: .max), reference, "a missing row")
    }

    func testLongQueriesAreExcerptedOnOneLine() {
        var h = DissectorHarness(PostgresDissector())
        h.send(
            .clientToServer,
            PG.query("INSERT INTO t VALUES " + String(repeating: "(1, 'x'), ", count: 200) + "(2, 'y')"))
        XCTAssertEqual(h.requests.first?.key, "INSERT")
        XCTAssertEqual(h.requests.first?.summary.count, 83)
        XCTAssertTrue(h.requests.first?.summary.hasSuffix("...") ?? false)
    }

    func testErrorResponseGivesItsSQLSTATEAndTransactionState() {
        for chunk in chunks {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.query("BEGIN"), chunk: chunk)
            h.send(.serverToClient, PG.complete("BEGIN") + PG.ready("T"), chunk: chunk)
            h.send(.clientToServer, PG.query("SELECT * FROM x"), chunk: chunk)
            h.send(
                .serverToClient, PG.error("ERROR", "42P01", "relation \"x\" does not exist") + PG.ready("E"),
                chunk: chunk)
            h.send(.clientToServer, PG.query("SELECT pg_sleep(1)"), chunk: chunk)
            h.send(
                .serverToClient, PG.error("ERROR", "57014", "canceling statement due to user request") + PG.ready("E"),
                chunk: chunk)
            h.end()
            XCTAssertEqual(
                h.responses.map(\.summary),
                [
                    "BEGIN [in transaction]",
                    "ERROR 42P01: relation \"x\" does not exist [failed transaction]",
                    "ERROR 57014: canceling statement due to user request [failed transaction]",
                ], "chunk \(chunk)")
            XCTAssertEqual(
                h.responses.map(\.status),
                [
                    MessageStatus(.success, code: "00000"), MessageStatus(.clientError, code: "42P01"),
                    MessageStatus(.serverError, code: "57014"),
                ])
            XCTAssertEqual(h.output.findings, [], "error responses are statuses, not findings")
        }
    }

    func testPipelinedExtendedQueriesPairWithTheirReadyForQuery() {
        for chunk in chunks {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.startup(), chunk: chunk)
            h.send(.serverToClient, PG.trustAnswer, chunk: chunk)
            h.send(
                .clientToServer,
                PG.parse("UPDATE accounts SET balance = balance + $1 WHERE id = $2") + PG.bind()
                    + PG.describePortal + PG.execute + PG.sync
                    + PG.parse("SELECT balance FROM accounts WHERE id = $1") + PG.bind() + PG.describePortal
                    + PG.execute + PG.sync
                    + PG.bind("prepared_1") + PG.execute + PG.sync, chunk: chunk)
            h.send(
                .serverToClient,
                PG.message("1") + PG.message("2") + PG.message("n") + PG.complete("UPDATE 1") + PG.ready()
                    + PG.message("1") + PG.message("2") + PG.rowDescription(["balance"]) + PG.dataRow(["10"])
                    + PG.complete("SELECT 1")
                    + PG.ready() + PG.message("2")
                    + PG.error("ERROR", "23505", "duplicate key value violates unique constraint") + PG.ready(),
                chunk: chunk)
            h.end()
            let extended = h.requests.filter { $0.name == "Extended" }
            XCTAssertEqual(extended.map(\.key), ["UPDATE", "SELECT", "Execute"], "chunk \(chunk)")
            XCTAssertEqual(
                extended.map(\.summary),
                [
                    "UPDATE accounts SET balance = balance + $1 WHERE id = $2",
                    "SELECT balance FROM accounts WHERE id = $1",
                    "execute \"prepared_1\"",
                ])
            XCTAssertEqual(h.responses.dropFirst().map(\.answers), extended.map(\.index))
            XCTAssertEqual(
                h.responses.dropFirst().map(\.summary),
                ["UPDATE 1", "SELECT 1", "ERROR 23505: duplicate key value violates unique constraint"])
            XCTAssertEqual(h.responses.last?.status?.outcome, .clientError)
            XCTAssertEqual(h.output.findings, [])
        }
    }

    func testCopyFromStdinIsOneExchange() {
        for chunk in chunks {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.query("COPY t FROM STDIN"), chunk: chunk)
            h.send(.serverToClient, PG.message("G", [0] + PG.int16(1) + PG.int16(0)), chunk: chunk)
            h.send(
                .clientToServer,
                PG.message("d", Array("1\ta\n".utf8)) + PG.message("d", Array("2\tb\n".utf8)) + PG.message("c"),
                chunk: chunk)
            h.send(.serverToClient, PG.complete("COPY 2") + PG.ready(), chunk: chunk)
            h.send(.clientToServer, PG.query("COPY t TO STDOUT"), chunk: chunk)
            h.send(
                .serverToClient,
                PG.message("H", [0] + PG.int16(1) + PG.int16(0)) + PG.message("d", Array("1\ta\n".utf8))
                    + PG.message("c") + PG.complete("COPY 1") + PG.ready(), chunk: chunk)
            h.end()
            XCTAssertEqual(h.requests.map(\.key), ["COPY", "COPY"], "chunk \(chunk)")
            XCTAssertEqual(h.responses.map(\.summary), ["COPY 2", "COPY 1"])
            XCTAssertEqual(h.output.findings, [])
        }
    }

    func testSSLRequestRefusedContinuesInPlaintext() {
        for chunk in chunks {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.sslRequest, chunk: chunk)
            h.send(.serverToClient, "N", chunk: chunk)
            h.send(.clientToServer, PG.startup(), chunk: chunk)
            h.send(.serverToClient, PG.trustAnswer, chunk: chunk)
            h.end()
            XCTAssertEqual(h.requests.map(\.name), ["SSLRequest", "Startup"], "chunk \(chunk)")
            XCTAssertEqual(h.responses.map(\.summary), ["SSL refused", "authenticated (trust), server 15.8"])
            XCTAssertEqual(h.output.findings, [])
        }
    }

    func testSSLRequestAcceptedHandsTheRestOnToTLS() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.sslRequest)
        h.send(.serverToClient, "S")
        h.send(.clientToServer, [0x16, 0x03, 0x01, 0x00, 0x05, 1, 0, 0, 1, 0])
        h.end()
        XCTAssertEqual(h.responses.map(\.summary), ["SSL accepted"])
        XCTAssertFalse(h.output.messages.dropFirst(2).contains { $0.application == .postgres })
        XCTAssertFalse(h.codes.contains { $0.hasPrefix("postgres.") }, "\(h.codes)")
    }

    func testAsynchronousMessagesOutsideAnExchangeAreEvents() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.startup())
        h.send(.serverToClient, PG.trustAnswer)
        h.send(
            .serverToClient,
            PG.message("A", PG.int32(77) + PG.cString("jobs") + PG.cString("42")) + PG.parameter("TimeZone", "UTC"))
        h.send(.serverToClient, PG.error("FATAL", "57P01", "terminating connection due to administrator command"))
        h.end()
        XCTAssertEqual(h.events.map(\.name), ["NotificationResponse", "ParameterStatus", "ErrorResponse"])
        XCTAssertEqual(
            h.events.map(\.summary),
            [
                "NOTIFY jobs: 42 (pid 77)", "TimeZone=UTC",
                "FATAL 57P01: terminating connection due to administrator command",
            ])
        XCTAssertEqual(h.events.last?.status?.outcome, .serverError)
        XCTAssertEqual(h.output.findings, [])
    }

    func testBackendMessageWithNoQueryPendingIsUnexpected() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.startup())
        h.send(.serverToClient, PG.trustAnswer + PG.dataRow(["1"]) + PG.ready())
        h.end()
        XCTAssertEqual(h.codes, ["postgres.unexpected-message", "postgres.unexpected-message"])
        XCTAssertEqual(h.output.findings.map(\.severity), [.warning, .warning])
    }

    func testLengthBelowItsHeaderIsMalformedAndStopsDissection() {
        for chunk in chunks {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.query("SELECT 1"), chunk: chunk)
            h.send(
                .serverToClient, [UInt8(ascii: "C")] + PG.int32(2) + PG.complete("SELECT 1") + PG.ready(), chunk: chunk)
            h.send(.clientToServer, PG.query("SELECT 2"), chunk: chunk)
            h.end(reset: true)
            XCTAssertEqual(h.codes, ["postgres.malformed"], "chunk \(chunk)")
            XCTAssertEqual(h.output.findings.first?.detail, "the rest of the conversation is not dissected")
            XCTAssertEqual(h.requests.count, 1)
            XCTAssertEqual(h.responses.count, 0)
        }
    }

    func testUnknownMessageTypeIsMalformed() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.message("?", [1, 2]))
        XCTAssertEqual(h.codes, ["postgres.malformed"])
    }

    func testHugeLengthIsCountedNotAllocated() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.query("SELECT big"))
        // A 1 GiB DataRow announced: the dissector counts what comes, keeps at most a prefix.
        h.send(
            .serverToClient, [UInt8(ascii: "D")] + PG.int32(1 << 30) + [UInt8](repeating: 7, count: 100_000),
            chunk: 65536)
        XCTAssertEqual(h.output.findings, [])
        h.end(reset: true)
        XCTAssertEqual(h.codes, ["postgres.incomplete-message"])

        var over = DissectorHarness(PostgresDissector())
        over.send(.serverToClient, [UInt8(ascii: "D")] + PG.int32(Int32.max))
        XCTAssertEqual(over.codes, ["postgres.malformed"])
        var negative = DissectorHarness(PostgresDissector())
        negative.send(.clientToServer, [UInt8(ascii: "Q")] + PG.int32(-5))
        XCTAssertEqual(negative.codes, ["postgres.malformed"])
    }

    func testGapInsideADataRowBodyLosesNothing() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.query("SELECT blob FROM files"))
        let row = PG.dataRow([String(repeating: "z", count: 5000)])
        h.send(.serverToClient, PG.rowDescription(["blob"]) + Array(row.prefix(1000)))
        h.gap(.serverToClient, 3000)
        h.send(.serverToClient, Array(row.dropFirst(4000)) + PG.complete("SELECT 1") + PG.ready())
        h.end()
        XCTAssertEqual(h.responses.map(\.summary), ["SELECT 1"])
        XCTAssertEqual(h.output.findings, [])
    }

    func testGapEndingExactlyAtTheEndOfABodyCompletesTheMessage() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.query("SELECT blob FROM files"))
        let row = PG.dataRow([String(repeating: "z", count: 5000)])
        h.send(.serverToClient, Array(row.prefix(100)))
        h.gap(.serverToClient, row.count - 100)
        h.send(.serverToClient, PG.complete("SELECT 1") + PG.ready())
        h.end()
        XCTAssertEqual(h.responses.map(\.summary), ["SELECT 1"])
        XCTAssertEqual(h.responses.first?.bytes, Int64(row.count + PG.complete("SELECT 1").count + PG.ready().count))
        XCTAssertEqual(h.output.findings, [])
    }

    func testGapOutsideABodyIsOneWarningAndStops() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.query("SELECT 1"))
        h.send(.serverToClient, PG.complete("SELECT 1"))
        h.gap(.serverToClient, 6)
        h.send(.serverToClient, PG.query("SELECT 2"))
        h.gap(.clientToServer, 10)
        h.end()
        XCTAssertEqual(h.codes, ["postgres.unreadable-after-gap"])
        XCTAssertEqual(h.output.findings.first?.severity, .warning)
    }

    func testConnectionResetInTheMiddleOfAMessageIsReported() {
        for cut in [2, 7, 20] {
            var h = DissectorHarness(PostgresDissector())
            h.send(.clientToServer, PG.query("SELECT 1"))
            h.send(.serverToClient, Array((PG.rowDescription(["a"]) + PG.dataRow(["1"])).prefix(cut)))
            h.end(reset: true)
            XCTAssertEqual(h.codes, ["postgres.incomplete-message"], "cut \(cut)")
            XCTAssertEqual(h.output.findings.first?.severity, .error)
        }
    }

    func testCaptureStartingMidConversationIsReadAsTyped() {
        var h = DissectorHarness(PostgresDissector())
        h.send(.clientToServer, PG.query("SELECT 1"))
        h.send(
            .serverToClient, PG.rowDescription(["?column?"]) + PG.dataRow(["1"]) + PG.complete("SELECT 1") + PG.ready())
        h.end()
        XCTAssertEqual(h.requests.map(\.key), ["SELECT"])
        XCTAssertEqual(h.responses.map(\.summary), ["SELECT 1"])
        XCTAssertEqual(h.output.findings, [])
    }

    func testArbitraryBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var h = DissectorHarness(PostgresDissector())
            let length = Int.random(in: 0..<200, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if Bool.random(using: &generator) { bytes = PG.startup() + bytes }
            h.send(.clientToServer, bytes, chunk: Int.random(in: 1...16, using: &generator))
            h.send(.serverToClient, bytes.reversed(), chunk: Int.random(in: 1...16, using: &generator))
            h.gap(.serverToClient, 3)
            h.end(reset: true)
        }
    }
}
