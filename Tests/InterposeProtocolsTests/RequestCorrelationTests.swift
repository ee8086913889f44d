import InterposeProtocols
import XCTest

/// What each protocol's responses hand out and how its requests are rewritten for stateful replay:
/// values by locator, substitutions at their places only, framing lengths written again.
final class RequestCorrelationTests: XCTestCase {
    private func correlation(_ application: ApplicationProtocol) -> RequestCorrelation {
        ProtocolRegistry.standard.descriptor(for: application).correlation!
    }

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private func swap(_ recorded: String, _ live: String) -> ValueSubstitution {
        ValueSubstitution(recorded: bytes(recorded), live: bytes(live))
    }

    func testHTTP1ResponseHandsOutJSONLeavesCookiesAndLocation() {
        let body = #"{"token":"tok-abc123","user":{"id":1001,"admin":true},"ratio":1.5}"#
        let response =
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nSet-Cookie: sid=s3cr3t; Path=/\r\n"
            + "Location: http://api.test:8080/items/1001\r\nETag: \"v7\"\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            + body
        let values = correlation(.http1).values(bytes(response)).map {
            ($0.locator, String(decoding: $0.value, as: UTF8.self))
        }
        XCTAssertEqual(
            values.map(\.0), ["cookie:sid", "header:location", "header:etag", "json:$.token", "json:$.user.id"])
        XCTAssertEqual(values.map(\.1), ["s3cr3t", "/items/1001", "\"v7\"", "tok-abc123", "1001"])
    }

    func testHTTP1RequestRewritesPathQueryHeadersAndBodyAndItsContentLength() {
        let body = #"{"owner":1001,"note":"item 10012"}"#
        let request =
            "PUT /items/1001?owner=1001 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer tok-abc123\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)GET /items/1001 HTTP/1.1\r\nHost: a\r\n\r\n"
        let rewrite = correlation(.http1).rewrite(bytes(request), [swap("1001", "7"), swap("tok-abc123", "tok-zz")])
        let newBody = #"{"owner":7,"note":"item 10012"}"#
        XCTAssertEqual(
            String(decoding: rewrite.bytes, as: UTF8.self),
            "PUT /items/7?owner=7 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer tok-zz\r\n"
                + "Content-Length: \(newBody.utf8.count)\r\n\r\n\(newBody)GET /items/7 HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(rewrite.places, [["path", "query", "body", "path"], ["header:authorization"]])
    }

    func testHTTP1ChunkedBodyIsRechunkedAndAHeadWithoutItsBodyKeepsItsLength() {
        let chunked = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nid=9\r\n3\r\n999\r\n0\r\n\r\n"
        let rewrite = correlation(.http1).rewrite(bytes(chunked), [swap("9999", "12345")])
        XCTAssertEqual(
            String(decoding: rewrite.bytes, as: UTF8.self),
            "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nid=12345\r\n0\r\n\r\n")
        let cut = "POST /a/abcd HTTP/1.1\r\nContent-Length: 10\r\n\r\nabcd"
        let rewritten = correlation(.http1).rewrite(bytes(cut), [swap("abcd", "xy")])
        XCTAssertEqual(
            String(decoding: rewritten.bytes, as: UTF8.self), "POST /a/xy HTTP/1.1\r\nContent-Length: 10\r\n\r\nabcd")
    }

    func testUnchangedValuesLeaveTheBytesAsTheyWere() {
        let request = "GET /items/1001 HTTP/1.1\r\nContent-Length: 4\r\n\r\n1001"
        let rewrite = correlation(.http1).rewrite(bytes(request), [swap("1001", "1001")])
        XCTAssertEqual(rewrite.bytes, bytes(request))
        XCTAssertEqual(rewrite.places, [["path", "body"]])
    }

    func testRedisRepliesHandOutBulksAndIntegersAndArgumentsAreReframed() {
        let values = correlation(.redis).values(bytes("*3\r\n$5\r\nabcde\r\n:1001\r\n+OK\r\n"))
        XCTAssertEqual(values.map(\.locator), ["reply[0]", "reply[1]"])
        XCTAssertEqual(values.map { String(decoding: $0.value, as: UTF8.self) }, ["abcde", "1001"])
        let command =
            "*3\r\n$3\r\nSET\r\n$9\r\nitem:1001\r\n$4\r\n1001\r\n*2\r\n$3\r\nGET\r\n$4\r\n1001\r\n*1\r\n$4\r\nPI"
        let rewrite = correlation(.redis).rewrite(bytes(command), [swap("1001", "99999")])
        XCTAssertEqual(
            String(decoding: rewrite.bytes, as: UTF8.self),
            "*3\r\n$3\r\nSET\r\n$10\r\nitem:99999\r\n$5\r\n99999\r\n*2\r\n$3\r\nGET\r\n$5\r\n99999\r\n*1\r\n$4\r\nPI")
        XCTAssertEqual(rewrite.places, [["arg[1]", "arg[2]", "arg[1]"]])
    }

    func testPostgresRowsHandOutTextCellsAndQueriesAndBindsAreReframed() {
        // RowDescription (id, name), DataRow ('42', NULL), CommandComplete, ReadyForQuery.
        var reply: [UInt8] = [UInt8(ascii: "T")]
        var description: [UInt8] = [0, 2]
        for name in ["id", "name"] { description += bytes(name) + [0] + Array(repeating: 0, count: 18) }
        reply += be32(description.count + 4) + description
        let row: [UInt8] = [0, 2] + be32(2) + bytes("42") + [0xFF, 0xFF, 0xFF, 0xFF]
        reply += [UInt8(ascii: "D")] + be32(row.count + 4) + row
        let values = correlation(.postgres).values(reply)
        XCTAssertEqual(values, [HandedValue(locator: "row[0].id", value: bytes("42"))])

        let query = bytes("SELECT * FROM items WHERE id = 4242") + [0]
        var write: [UInt8] = [UInt8(ascii: "Q")] + be32(query.count + 4) + query
        // Bind: portal "", statement "s1", one format code (text), two parameters, no result formats.
        let bind: [UInt8] =
            [0] + bytes("s1") + [0, 0, 1, 0, 0, 0, 2] + be32(4) + bytes("4242") + be32(3) + bytes("abc") + [0, 0]
        write += [UInt8(ascii: "B")] + be32(bind.count + 4) + bind
        write += [UInt8(ascii: "S"), 0, 0, 0, 4]
        let rewrite = correlation(.postgres).rewrite(write, [swap("4242", "7")])
        let newQuery = bytes("SELECT * FROM items WHERE id = 7") + [0]
        var expected: [UInt8] = [UInt8(ascii: "Q")] + be32(newQuery.count + 4) + newQuery
        let newBind: [UInt8] =
            [0] + bytes("s1") + [0, 0, 1, 0, 0, 0, 2] + be32(1) + bytes("7") + be32(3) + bytes("abc") + [0, 0]
        expected += [UInt8(ascii: "B")] + be32(newBind.count + 4) + newBind
        expected += [UInt8(ascii: "S"), 0, 0, 0, 4]
        XCTAssertEqual(rewrite.bytes, expected)
        XCTAssertEqual(rewrite.places, [["sql", "bind[0]"]])
    }

    private func be32(_ value: Int) -> [UInt8] {
        [UInt8((value >> 24) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
