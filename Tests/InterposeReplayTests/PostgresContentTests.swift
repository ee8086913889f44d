import InterposeReplay
import XCTest

/// PostgreSQL backend replies decoded into columns, rows, tags, errors and states; requests as
/// their query text.
final class PostgresContentTests: XCTestCase {
    private func fields(_ bytes: [UInt8]) -> [String] {
        (ContentDecoder.fields(ofResponse: bytes, application: .postgres) ?? []).map { "\($0.path)=\($0.value)" }
    }

    func testRowsTagAndReadyForQuery() {
        var reply = PostgresBytes()
        reply.rowDescription(["id", "name", "blob"], binary: ["blob"])
        reply.dataRow([Array("1".utf8), Array("bob".utf8), [0xde, 0xad]])
        reply.dataRow([Array("2".utf8), nil, nil])
        reply.commandComplete("SELECT 2")
        reply.readyForQuery("I")
        XCTAssertEqual(
            fields(reply.bytes),
            [
                "columns=id,name,blob", "row[0].id=1", "row[0].name=bob", #"row[0].blob=\xdead"#, "row[1].id=2",
                "row[1].name=NULL", "row[1].blob=NULL", "rows=2", "tag=SELECT 2", "ready=I",
            ])
        XCTAssertEqual(
            ContentDecoder.text(of: reply.bytes, application: .postgres),
            "id | name | blob\n1 | bob | \\xdead\n2 | NULL | NULL\n(2 rows)\ntag: SELECT 2\nready: I")
    }

    func testErrorResponseAndNotice() {
        var reply = PostgresBytes()
        reply.fields("N", [("S", "NOTICE"), ("V", "NOTICE"), ("C", "00000"), ("M", "hello")])
        reply.fields(
            "E",
            [
                ("S", "FEHLER"), ("V", "ERROR"), ("C", "42P01"), ("M", "relation \"nope\" does not exist"), ("P", "15"),
                ("F", "parse_relation.c"), ("L", "1392"), ("R", "parserOpenTable"),
            ])
        reply.readyForQuery("E")
        XCTAssertEqual(
            fields(reply.bytes),
            [
                "notice.code=00000", "notice.message=hello", "error.severity=ERROR", "error.code=42P01",
                #"error.message=relation "nope" does not exist"#, "ready=E",
            ])
    }

    func testStartupRepliesLeaveOutBackendKeyData() {
        var reply = PostgresBytes()
        reply.message("R", PostgresBytes.int32(0))
        reply.message("S", PostgresBytes.cString("server_version") + PostgresBytes.cString("16.2"))
        reply.message("K", PostgresBytes.int32(4242) + PostgresBytes.int32(123_456_789))
        reply.readyForQuery("I")
        XCTAssertEqual(fields(reply.bytes), ["auth=ok", "parameter.server_version=16.2", "ready=I"])
        var other = PostgresBytes()
        other.message("R", PostgresBytes.int32(0))
        other.message("S", PostgresBytes.cString("server_version") + PostgresBytes.cString("16.2"))
        other.message("K", PostgresBytes.int32(9999) + PostgresBytes.int32(987))
        other.readyForQuery("I")
        var comparer = ExchangeComparer()
        let result = comparer.compare(
            recorded: ReplayFixtures.exchange(.postgres, response: reply.bytes),
            replayed: ReplayFixtures.exchange(.postgres, response: other.bytes), index: 0)
        XCTAssertEqual(result.verdict, .same, "\(result.differences)")
    }

    func testRequestTextIsTheQuery() {
        var simple = PostgresBytes()
        simple.message("Q", PostgresBytes.cString("SELECT * FROM users WHERE id = 7"))
        XCTAssertEqual(
            ContentDecoder.text(of: simple.bytes, application: .postgres), "SELECT * FROM users WHERE id = 7")
        var extended = PostgresBytes()
        extended.message("P", PostgresBytes.cString("") + PostgresBytes.cString("SELECT $1") + PostgresBytes.int16(0))
        extended.message(
            "B",
            PostgresBytes.cString("") + PostgresBytes.cString("") + PostgresBytes.int16(0) + PostgresBytes.int16(1)
                + PostgresBytes.int32(2) + Array("42".utf8) + PostgresBytes.int16(0))
        extended.message("E", PostgresBytes.cString("") + PostgresBytes.int32(0))
        extended.message("S", [])
        XCTAssertEqual(
            ContentDecoder.text(of: extended.bytes, application: .postgres), "SELECT $1\nBind \"42\"\nExecute\nSync")
        let startup =
            PostgresBytes.int32(41) + PostgresBytes.int32(196_608) + PostgresBytes.cString("user")
            + PostgresBytes.cString("app")
            + PostgresBytes.cString("database") + PostgresBytes.cString("shop") + [0]
        XCTAssertEqual(ContentDecoder.text(of: startup, application: .postgres), "startup user=app database=shop")
    }

    func testNotMessagesIsOneBytesField() {
        XCTAssertEqual(fields([0x01, 0x02]), [#"bytes=\x01\x02"#])
        XCTAssertEqual(fields(Array("N".utf8)), ["ssl=N"])
    }
}
