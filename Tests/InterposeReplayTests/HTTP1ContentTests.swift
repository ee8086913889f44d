import InterposeReplay
import XCTest

/// HTTP/1 responses decoded into fields: status, headers, bodies by content length and chunked,
/// JSON flattened by path.
final class HTTP1ContentTests: XCTestCase {
    private func fields(_ bytes: [UInt8]) -> [String] {
        (ContentDecoder.fields(ofResponse: bytes, application: .http1) ?? []).map { "\($0.path)=\($0.value)" }
    }

    func testStatusHeadersAndTextBodyByContentLength() {
        let bytes = Array(
            "HTTP/1.1 404 Not Found\r\nServer: nginx\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 5\r\n\r\nhello"
                .utf8)
        XCTAssertEqual(
            fields(bytes),
            [
                "status=404", "header:server=nginx", "header:set-cookie=a=1, b=2", "header:content-length=5",
                "body=hello",
            ])
    }

    func testChunkedBodyIsDechunked() {
        let bytes = Array(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
                .utf8)
        XCTAssertEqual(fields(bytes), ["status=200", "header:transfer-encoding=chunked", "body=hello world"])
    }

    func testJSONIsFlattenedByPathWithSortedKeysAndJSONScalars() {
        let body =
            #"{"user":{"name":"bob","age":42,"admin":true,"boss":null},"items":[{"id":1},{"id":2.5}],"tags":[],"meta":{}}"#
        XCTAssertEqual(
            fields(ReplayFixtures.json(body)).filter { $0.hasPrefix("json:") },
            [
                "json:$.items[0].id=1", "json:$.items[1].id=2.5", "json:$.meta={}", "json:$.tags=[]",
                "json:$.user.admin=true", "json:$.user.age=42", "json:$.user.boss=null", #"json:$.user.name="bob""#,
            ])
    }

    func testJSONWithoutContentTypeIsStillFlattenedWhenItIsAnObject() {
        XCTAssertEqual(fields(ReplayFixtures.http(body: #"[1,"a"]"#)).suffix(2), ["json:$[0]=1", #"json:$[1]="a""#])
        XCTAssertEqual(fields(ReplayFixtures.http(body: "42")).last, "body=42")
    }

    func testReorderedKeysAreTheSameAndANestedChangeIsOneDifferenceWithItsPath() {
        let a = ReplayFixtures.exchange(response: ReplayFixtures.json(#"{"a":1,"b":{"c":[1,{"d":"x"}],"e":2}}"#))
        let b = ReplayFixtures.exchange(response: ReplayFixtures.json(#"{"b":{"e":2,"c":[1,{"d":"x"}]},"a":1}"#))
        let c = ReplayFixtures.exchange(response: ReplayFixtures.json(#"{"b":{"e":2,"c":[1,{"d":"y"}]},"a":1}"#))
        var comparer = ExchangeComparer()
        XCTAssertEqual(comparer.compare(recorded: a, replayed: b, index: 0).verdict, .same)
        let changed = comparer.compare(recorded: a, replayed: c, index: 0)
        XCTAssertEqual(changed.verdict, .differs)
        XCTAssertEqual(
            changed.differences, [FieldDifference(field: "json:$.b.c[1].d", recorded: #""x""#, replayed: #""y""#)])
    }

    func testBinaryBodyIsEscapedAndLongBodyIsPrefixLengthAndHash() {
        let binary = Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n".utf8) + [0x00, 0xff, 0x41]
        XCTAssertEqual(fields(binary).last, #"body=\x00\xffA"#)
        let long = String(repeating: "a", count: 5000)
        let value = fields(ReplayFixtures.http(body: long)).last!
        XCTAssertTrue(value.hasPrefix("body=" + String(repeating: "a", count: 200) + "… (5000 bytes, fnv1a 0x"), value)
        let changed = fields(ReplayFixtures.http(body: String(long.dropLast()) + "b")).last!
        XCTAssertNotEqual(value, changed, "a change at the end still changes the value")
        XCTAssertEqual(value.count, changed.count)
    }

    func testInterimResponseIsSkipped() {
        let bytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8) + ReplayFixtures.http("201 Created", body: "ok")
        XCTAssertEqual(fields(bytes), ["status=201", "header:content-length=2", "body=ok"])
    }

    func testTextIsHeadAndBodyAndIsCutAtTheLimit() {
        let bytes = ReplayFixtures.http(headers: ["Server: x"], body: "hi")
        XCTAssertEqual(
            ContentDecoder.text(of: bytes, application: .http1), "HTTP/1.1 200 OK\nServer: x\nContent-Length: 2\n\nhi")
        XCTAssertEqual(
            ContentDecoder.text(of: bytes, application: .http1, limit: 8), "HTTP/1.1… (\(bytes.count) bytes)")
        let request = Array("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc".utf8)
        XCTAssertEqual(
            ContentDecoder.text(of: request, application: .http1), "POST /a HTTP/1.1\nHost: h\nContent-Length: 3\n\nabc"
        )
    }

    func testTLSHasNoFields() {
        XCTAssertNil(ContentDecoder.fields(ofResponse: [0x16, 3, 3], application: .tls))
    }

    func testHeadsAreReadByTheDissectorsParser() {
        // A head cut short keeps its complete lines; a head the dissector calls malformed is bytes.
        XCTAssertEqual(
            fields(Array("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Ty".utf8)), ["status=200", "header:server=x"])
        XCTAssertEqual(
            fields(Array("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n".utf8)),
            [#"bytes=HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"#])
        XCTAssertEqual(
            fields(Array("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc".utf8)),
            ["status=204", "header:content-length=3"], "a 204 has no body, as the dissector frames it")
    }

    func testBytesThatAreNotHTTPAreOneBytesField() {
        XCTAssertEqual(fields(Array("garbage\u{1}".utf8)), [#"bytes=garbage\x01"#])
    }
}
