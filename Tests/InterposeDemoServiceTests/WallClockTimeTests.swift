import Foundation
import InterposeDemoService
import XCTest

/// The two ways the demo service writes the time.
final class WallClockTimeTests: XCTestCase {
    func testISO8601WithMillisecondsAndHTTPDate() {
        let time = WallClockTime(seconds: 1_714_566_896, milliseconds: 7)
        XCTAssertEqual(time.iso8601, "2024-05-01T12:34:56.007Z")
        XCTAssertEqual(time.httpDate, "Wed, 01 May 2024 12:34:56 GMT")
    }

    func testRequestIDsAreVersion4UUIDs() {
        let id = RequestID.random()
        XCTAssertNotNil(
            id.range(
                of: #"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"#,
                options: .regularExpression), id)
        XCTAssertNotEqual(id, RequestID.random())
    }
}
