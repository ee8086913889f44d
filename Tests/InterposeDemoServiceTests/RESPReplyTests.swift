import InterposeDemoService
import NIOCore
import XCTest

/// The Redis reply parser: whole replies, replies split across reads, and garbage.
final class RESPReplyTests: XCTestCase {
    private func parse(_ text: String) throws -> RESPReply? {
        var buffer = ByteBuffer(string: text)
        return try RESPReply.parse(&buffer)
    }

    func testReplyKinds() throws {
        XCTAssertEqual(try parse("+OK\r\n"), .simple("OK"))
        XCTAssertEqual(try parse("-ERR wrong\r\n"), .error("ERR wrong"))
        XCTAssertEqual(try parse(":42\r\n"), .integer(42))
        XCTAssertEqual(try parse("$2\r\n17\r\n"), .bulk("17"))
        XCTAssertEqual(try parse("$-1\r\n"), .bulk(nil))
        XCTAssertEqual(try parse("*2\r\n:1\r\n$1\r\na\r\n"), .array([.integer(1), .bulk("a")]))
    }

    func testAnIncompleteReplyWaitsAndConsumesNothing() throws {
        for partial in ["", ":4", ":42\r", "$5\r\nab", "*2\r\n:1\r\n"] {
            var buffer = ByteBuffer(string: partial)
            XCTAssertNil(try RESPReply.parse(&buffer), partial)
            XCTAssertEqual(buffer.readableBytes, partial.utf8.count, "nothing consumed for \(partial.debugDescription)")
        }
    }

    func testGarbageIsAnError() {
        XCTAssertThrowsError(try parse("HTTP/1.1 200 OK\r\n"))
        XCTAssertThrowsError(try parse(":forty\r\n"))
        XCTAssertThrowsError(try parse("$1\r\nab\r\n"))
    }

    func testCommandsAreArraysOfBulkStrings() {
        var buffer = ByteBuffer()
        RESPReply.encodeCommand(["INCR", "demo:counter:x"], into: &buffer)
        XCTAssertEqual(String(buffer: buffer), "*2\r\n$4\r\nINCR\r\n$14\r\ndemo:counter:x\r\n")
    }
}
