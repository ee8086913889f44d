import Foundation
import InterposeFaults
import XCTest

/// Every attribute of every toxic type is range-checked where it is parsed (command line, JSON of the
/// control API and the config file): hostile numbers are one clear error naming the toxic, the
/// attribute and the allowed range, never a value that traps a conversion later.
final class ToxicAttributeTests: XCTestCase {
    private let hostile = ["1e14", "1e300", "1e-300", "-1", "inf", "nan", "0.5", "99999999999999999999"]

    func testEveryNumericAttributeRefusesHostileNumbersOnTheCommandLine() {
        var checked = 0
        for type in ToxicType.allCases {
            for attribute in type.attributes where attribute.range != nil {
                for value in hostile {
                    let spec = "\(type.rawValue):\(attribute.name)=\(value)"
                    let inRange = Double(value).map { number in
                        number.isFinite && attribute.range!.contains(number)
                            && (!attribute.isWholeNumber || number == number.rounded())
                    }
                    if inRange == true {
                        XCTAssertNoThrow(try Toxic(commandLine: spec), spec)
                        continue
                    }
                    XCTAssertThrowsError(try Toxic(commandLine: spec), spec) { error in
                        let line = (error as? ToxicError)?.description ?? "\(error)"
                        XCTAssertTrue(line.contains(attribute.name), "\(spec): \(line)")
                        XCTAssertFalse(line.contains("\n"), "\(spec): one line")
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 80)
    }

    func testTheErrorNamesTheToxicTheAttributeAndTheRange() {
        XCTAssertThrowsError(try Toxic(commandLine: "latency:latency=1e14")) { error in
            XCTAssertEqual(
                (error as? ToxicError)?.description,
                "--toxic latency:latency=1e14: toxic latency_downstream: latency must be a whole number from 0 to 3600000 (ms), not 100000000000000"
            )
        }
        XCTAssertThrowsError(try Toxic(commandLine: "http_status:status=70000")) { error in
            XCTAssertTrue((error as? ToxicError)?.description.contains("from 100 to 599") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try Toxic(commandLine: "latency:latncy=100")) { error in
            XCTAssertTrue(
                (error as? ToxicError)?.description.contains(
                    "latency has no attribute 'latncy' (it has latency, jitter)")
                    ?? false, "\(error)")
        }
    }

    func testControlAPIJSONIsCheckedTheSameWay() throws {
        let decoder = JSONDecoder()
        for body in [
            #"{"type":"latency","attributes":{"latency":1e14}}"#,
            #"{"type":"bandwidth","attributes":{"rate":1e-300}}"#,
            #"{"type":"slicer","attributes":{"average_size":1e300}}"#,
            #"{"type":"http_status","attributes":{"status":70000}}"#,
            #"{"type":"redis_error","attributes":{"error":"BUSY\r\n+OK"}}"#,
            #"{"type":"limit_data","attributes":{"bytes":"many"}}"#,
        ] {
            XCTAssertThrowsError(try decoder.decode(Toxic.self, from: Data(body.utf8)), body) { error in
                XCTAssertTrue(error is ToxicError, "\(body): \(error)")
            }
        }
        let good = try decoder.decode(
            Toxic.self, from: Data(#"{"type":"latency","attributes":{"latency":3600000,"jitter":10}}"#.utf8))
        XCTAssertEqual(good.number(.latency), 3_600_000)
        XCTAssertEqual(good.number(.jitter), 10)
    }

    func testDefaultsAreReadThroughTheTypedKeys() throws {
        let status = try Toxic(commandLine: "http_status")
        XCTAssertEqual(status.count(.status), 503)
        XCTAssertEqual(status.count(.retryAfter), 0)
        let drop = try Toxic(commandLine: "drop_after_requests")
        XCTAssertEqual(drop.count(.requests), 1)
        let redis = try Toxic(commandLine: "redis_error")
        XCTAssertEqual(redis.text(.error)?.hasPrefix("BUSY"), true)
    }
}
