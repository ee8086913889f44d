import InterposeReplay
import XCTest

/// Redis replies (RESP2 and RESP3) decoded into fields and text the way redis-cli prints them.
final class RedisContentTests: XCTestCase {
    private func fields(_ text: String) -> [String] {
        (ContentDecoder.fields(ofResponse: Array(text.utf8), application: .redis) ?? []).map {
            "\($0.path)=\($0.value)"
        }
    }

    func testScalars() {
        XCTAssertEqual(fields("+OK\r\n"), ["reply=OK"])
        XCTAssertEqual(fields("-ERR unknown command 'FOO'\r\n"), ["error=ERR unknown command 'FOO'"])
        XCTAssertEqual(fields(":5\r\n"), ["reply=(integer) 5"])
        XCTAssertEqual(fields("$3\r\nabc\r\n"), [#"reply="abc""#])
        XCTAssertEqual(fields("$-1\r\n"), ["reply=(nil)"])
        XCTAssertEqual(fields("_\r\n"), ["reply=(nil)"])
        XCTAssertEqual(fields("$4\r\na\"\r\n\r\n"), [#"reply="a\"\r\n""#])
    }

    func testArraysNestedAndEmpty() {
        XCTAssertEqual(
            fields("*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n-WRONGTYPE no\r\n"),
            [#"reply[0]="a""#, "reply[1][0]=(integer) 1", "reply[1][1]=(nil)", "reply[2]=(error) WRONGTYPE no"])
        XCTAssertEqual(fields("*0\r\n"), ["reply=(empty array)"])
        XCTAssertEqual(fields("*-1\r\n"), ["reply=(nil)"])
    }

    func testRESP3MapSetAndScalars() {
        XCTAssertEqual(
            fields("%3\r\n+server\r\n+redis\r\n$5\r\nproto\r\n:3\r\n+modules\r\n*0\r\n"),
            ["reply.server=redis", "reply.proto=(integer) 3", "reply.modules=(empty array)"])
        XCTAssertEqual(fields("~2\r\n+b\r\n+a\r\n"), ["reply[0]=a", "reply[1]=b"], "set members are sorted")
        XCTAssertEqual(fields(",3.14\r\n"), ["reply=(double) 3.14"])
        XCTAssertEqual(fields("#t\r\n"), ["reply=(true)"])
        XCTAssertEqual(fields("(12345678901234567890\r\n"), ["reply=(big number) 12345678901234567890"])
        XCTAssertEqual(fields("=8\r\ntxt:some\r\n"), [#"reply="some""#])
        XCTAssertEqual(fields("!9\r\nERR oops!\r\n"), ["error=ERR oops!"])
        XCTAssertEqual(fields("%0\r\n"), ["reply=(empty hash)"])
        XCTAssertEqual(fields("|1\r\n+ttl\r\n:3\r\n+OK\r\n"), ["reply=OK"], "attributes are skipped")
    }

    func testEveryElementAndWholeBulkStringsAreKeptBeyondWhatTheDissectorKeeps() {
        // The dissector keeps four leaves of 64 bytes; the content decoder reads with the same
        // reader and keeps everything.
        let long = String(repeating: "y", count: 100)
        let reply = "*6\r\n" + String(repeating: "$1\r\nx\r\n", count: 5) + "$100\r\n\(long)\r\n"
        XCTAssertEqual(fields(reply).count, 6)
        XCTAssertEqual(fields(reply).last, "reply[5]=\"\(long)\"")
        XCTAssertEqual(
            fields("*2\r\n|1\r\n+ttl\r\n:3\r\n:1\r\n%1\r\n+k\r\n*0\r\n"),
            ["reply[0]=(integer) 1", "reply[1].k=(empty array)"], "an attribute inside an array is not an element")
        XCTAssertEqual(fields("+OK\r\n:2\r\n"), ["reply=OK", "reply#2=(integer) 2"])
        XCTAssertEqual(fields(":\r\n"), [#"bytes=:\r\n"#], "an empty number is malformed, as the dissector says")
    }

    func testMalformedReplyIsOneBytesField() {
        XCTAssertEqual(fields("$10\r\nabc\r\n"), [#"bytes=$10\r\nabc\r\n"#])
    }

    func testTextLikeRedisCLI() {
        let reply = Array("*3\r\n$1\r\na\r\n*2\r\n:1\r\n$1\r\nb\r\n%1\r\n+k\r\n+v\r\n".utf8)
        XCTAssertEqual(
            ContentDecoder.text(of: reply, application: .redis),
            """
            1) "a"
            2) 1) (integer) 1
               2) "b"
            3) 1# k => v
            """)
        XCTAssertEqual(ContentDecoder.text(of: Array("-ERR x\r\n".utf8), application: .redis), "(error) ERR x")
        let command = Array("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$9\r\ntwo words\r\n".utf8)
        XCTAssertEqual(ContentDecoder.text(ofRequest: command, application: .redis), #"SET k "two words""#)
        XCTAssertEqual(ContentDecoder.text(of: command, application: .redis), "1) \"SET\"\n2) \"k\"\n3) \"two words\"")
    }
}
