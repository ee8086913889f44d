import Foundation
import InterposeTestSupport
import XCTest

/// Every numeric flag given a number out of its range, infinity or NaN: exit status 2 and one line
/// that names the flag and the range, never a conversion trap.
final class NumericFlagInputTests: XCTestCase {
    private func assertRefused(
        _ arguments: [String], mentions texts: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try ProcessRunner.run(InterposeBinary.path, arguments, timeout: 30)
        let joined = arguments.joined(separator: " ")
        XCTAssertFalse(result.timedOut, joined, file: file, line: line)
        XCTAssertEqual(result.status, 2, "\(joined): exit status; stderr: \(result.stderrText)", file: file, line: line)
        let lines = result.stderrText.split(separator: "\n")
        let first = lines.first.map(String.init) ?? ""
        for text in texts {
            XCTAssertTrue(
                first.contains(text), "\(joined): first line names \(text): \(result.stderrText)", file: file,
                line: line)
        }
        XCTAssertLessThanOrEqual(
            lines.count, 2, "\(joined): one line and a usage hint: \(result.stderrText)", file: file, line: line)
        XCTAssertFalse(result.stderrText.contains("Fatal error"), joined, file: file, line: line)
    }

    private let proxy = ["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1"]

    func testProxyDurationsOutOfRange() throws {
        for value in ["1e10", "inf", "nan", "0", "-1"] {
            try assertRefused(
                proxy + ["--connect-timeout=\(value)"], mentions: ["--connect-timeout", "0.001 to 86400"])
        }
        for value in ["1e10", "inf", "nan", "-1"] {
            try assertRefused(proxy + ["--grace=\(value)"], mentions: ["--grace", "0 to 86400"])
        }
    }

    func testProxySeedMarkAndSizesOutOfRange() throws {
        let never = FileManager.default.temporaryDirectory.appendingPathComponent(
            "interpose-\(UUID().uuidString).pcapng"
        ).path
        try assertRefused(proxy + ["--seed", "1e3"], mentions: ["--seed", "0 to 18446744073709551615"])
        try assertRefused(
            ["proxy", "--transparent", "--listen", "127.0.0.1:0", "--mark", "4294967296"],
            mentions: ["--mark", "0 to 4294967295"])
        try assertRefused(
            proxy + ["--capture", never, "--capture-buffer", "1"],
            mentions: ["--capture-buffer", "4.0 KiB to 1.0 TiB"])
        try assertRefused(
            proxy + ["--capture", never, "--rotate-size", "99999999999P"],
            mentions: ["--rotate-size", "64.0 KiB to 1.0 PiB"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: never))
    }

    func testSniffDurationAndCountOutOfRange() throws {
        for value in ["inf", "1e10", "nan", "0"] {
            try assertRefused(
                ["sniff", "--interface", "lo", "--duration=\(value)"], mentions: ["--duration", "0.001 to 31536000"])
        }
        for value in ["0", "1e10", "-5", "99999999999999999999"] {
            try assertRefused(
                ["sniff", "--interface", "lo", "--count=\(value)"], mentions: ["--count", "1 to 1000000000000"])
        }
    }

    func testReplayAndDiffNumbersOutOfRange() throws {
        let fixture = RepositoryFixtures.path("corpus/http1/zeek-get.pcap")
        let replay = ["replay", fixture, "--target", "127.0.0.1:1"]
        try assertRefused(replay + ["--timeout", "1e10"], mentions: ["--timeout", "0.001 to 86400"])
        try assertRefused(
            replay + ["--speed", "1e-300"], mentions: ["--speed", "max or a number from 0.001 to 1000000"])
        try assertRefused(replay + ["--speed", "inf"], mentions: ["--speed", "0.001 to 1000000"])
        try assertRefused(
            replay + ["--latency-threshold", "1e308"], mentions: ["--latency-threshold", "0 to 1000000"])
        try assertRefused(replay + ["--runs", "0"], mentions: ["--runs", "1 to 1000"])
        try assertRefused(replay + ["--connections", "1e9"], mentions: ["--connections", "1 to 100000"])
        try assertRefused(
            ["diff", fixture, fixture, "--latency-threshold=-1"], mentions: ["--latency-threshold", "0 to 1000000"])
    }
}
