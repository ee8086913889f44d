import InterposeProtocols
import InterposeReplay
import XCTest

/// Hostile and cut-short bytes decode to something (or nothing) without trapping.
final class ContentDecoderRobustnessTests: XCTestCase {
    func testHugeAndNegativeLengthsDoNotTrap() {
        let cases: [(ApplicationProtocol, String)] = [
            (.redis, "$9223372036854775807\r\nabc\r\n"),
            (.redis, "%9223372036854775807\r\n"),
            (.redis, "*99999999\r\n:1\r\n"),
            (.http1, "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nabc"),
            (.http1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc"),
            (.http1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
        ]
        for (application, text) in cases {
            let fields = ContentDecoder.fields(ofResponse: Array(text.utf8), application: application)
            XCTAssertNotNil(fields, text)
            _ = ContentDecoder.text(of: Array(text.utf8), application: application)
        }
        XCTAssertEqual(
            ContentDecoder.fields(
                ofResponse: Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8), application: .http1)?.last,
            ContentField(path: "body", value: "abc"))
        let postgres: [UInt8] = [UInt8(ascii: "D"), 0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff]
        XCTAssertNotNil(ContentDecoder.fields(ofResponse: postgres, application: .postgres))
        let mqtt: [UInt8] = [0x30, 0xff, 0xff, 0xff, 0x7f, 0x00]
        XCTAssertNotNil(ContentDecoder.fields(ofResponse: mqtt, application: .mqtt))
        XCTAssertEqual(ContentDecoder.fields(ofResponse: [], application: .redis), [])
    }
}
