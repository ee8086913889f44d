import InterposeCore
import InterposeReplay
import XCTest

/// The bounded numbers of the command line, and the conversions that must not trap however far out
/// of range a `Double` is (pure logic, no sockets).
final class NumberRangeTests: XCTestCase {
    func testParsesNumbersInRangeAndRefusesTheRestNamingTheRange() throws {
        XCTAssertEqual(try NumberRange.grace.parse("0"), 0)
        XCTAssertEqual(try NumberRange.grace.parse("86400"), 86_400)
        XCTAssertEqual(try NumberRange.connectTimeout.parse("0.5"), 0.5)
        for text in ["1e10", "inf", "-inf", "nan", "-1", "", "five", "86400.5"] {
            XCTAssertThrowsError(try NumberRange.grace.parse(text, name: "--grace"), text) { error in
                XCTAssertEqual(
                    "\(error)", "--grace must be a number from 0 to 86400 (seconds), not '\(text)'")
            }
        }
        XCTAssertThrowsError(try NumberRange.connectTimeout.parse("0")) { error in
            XCTAssertEqual("\(error)", "must be a number from 0.001 to 86400 (seconds)")
        }
    }

    func testWholeNumbersRefuseFractionsExponentsAndOverflow() throws {
        XCTAssertEqual(try NumberRange.packetCount.parse("10"), 10)
        for text in ["0", "1.5", "1e3", "99999999999999999999", "-3"] {
            XCTAssertThrowsError(try NumberRange.packetCount.parse(text, name: "--count"), text) { error in
                XCTAssertTrue("\(error)".contains("a whole number from 1 to 1000000000000 (packets)"), "\(error)")
            }
        }
        XCTAssertEqual(try NumberRange.seed.parse("18446744073709551615"), UInt64.max)
        XCTAssertThrowsError(try NumberRange.seed.parse("18446744073709551616"))
    }

    func testCheckRefusesDecodedValuesOutsideTheRangeAndNaN() {
        XCTAssertThrowsError(try NumberRange.latencyThreshold.check(.nan, name: "latency_threshold"))
        XCTAssertThrowsError(try NumberRange.latencyThreshold.check(1e308, name: "latency_threshold")) { error in
            XCTAssertEqual(
                "\(error)", "latency_threshold must be a number from 0 to 1000000 (percent), not '1e+308'")
        }
        XCTAssertEqual(try NumberRange.latencyThreshold.check(20), 20)
    }

    func testSaturatingConversionClampsInsteadOfTrapping() {
        XCTAssertEqual(Int64(saturating: 1e300), Int64.max)
        XCTAssertEqual(Int64(saturating: -1e300), Int64.min)
        XCTAssertEqual(Int64(saturating: .infinity), Int64.max)
        XCTAssertEqual(Int64(saturating: .nan), 0)
        XCTAssertEqual(Int64(saturating: 9_223_372_036_854_775_807.0), Int64.max)
        XCTAssertEqual(UInt64(saturating: -5), 0)
        XCTAssertEqual(Int(saturating: 42.9), 42)
        XCTAssertEqual(UInt32(saturating: 4_294_967_296), UInt32.max)
    }

    func testReplaySpeedParsesMaxAndFactorsInRangeAndNeverTrapsScaling() throws {
        XCTAssertEqual(try ReplaySpeed(parsing: "max"), .max)
        XCTAssertEqual(try ReplaySpeed(parsing: "10"), .factor(10))
        for text in ["0", "1e-300", "inf", "nan", "-2", "2000000", "fast"] {
            XCTAssertThrowsError(try ReplaySpeed(parsing: text), text) { error in
                XCTAssertEqual("\(error)", "must be max or a number from 0.001 to 1000000")
            }
        }
        // The slowest speed on the longest interval saturates rather than trapping.
        XCTAssertEqual(ReplaySpeed.factor(0.001).scale(Int64.max), Int64.max)
        XCTAssertEqual(ReplaySpeed.factor(2).scale(1_000), 500)
    }
}
