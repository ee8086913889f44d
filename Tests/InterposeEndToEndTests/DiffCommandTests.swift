import Foundation
import InterposeTestSupport
import XCTest

/// `interpose diff A B` as CI runs it: exit statuses 0, 1 and 2, the text verdict and the JSON document.
final class DiffCommandTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-diff-cli-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func diff(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(InterposeBinary.path, ["diff"] + arguments, timeout: 60)
    }

    func testExitStatusesTextAndJSON() throws {
        let (a, b) = try NginxBuildPair.capture(in: work)

        let same = try diff([a, a])
        XCTAssertEqual(same.status, 0, same.stdoutText + same.stderrText)
        XCTAssertTrue(same.stdoutText.contains("SAME: all 4 exchanges"), same.stdoutText)

        let different = try diff([a, b])
        XCTAssertEqual(different.status, 1, different.stderrText)
        XCTAssertTrue(different.stdoutText.contains("status 200 -> 404"), different.stdoutText)
        XCTAssertTrue(different.stdoutText.contains("DIFFERENT: 2 differ"), different.stdoutText)

        let json = try diff(["--json", a, b])
        XCTAssertEqual(json.status, 1, json.stderrText)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let summary = try XCTUnwrap(document["summary"] as? [String: Int])
        XCTAssertEqual(summary, ["same": 2, "differs": 2, "missing": 0, "extra": 0])
        let exchanges = try XCTUnwrap(document["exchanges"] as? [[String: Any]])
        XCTAssertEqual(exchanges.count, 4)
        for key in ["connection_a", "connection_b", "request", "status", "old", "new", "detail"] {
            XCTAssertTrue(exchanges.allSatisfy { $0.keys.contains(key) }, "every exchange has \(key): \(exchanges)")
        }
        let big = try XCTUnwrap(exchanges.first { $0["request"] as? String == "GET /big.bin HTTP/1.1" })
        XCTAssertEqual(big["status"] as? String, "differs")
        XCTAssertEqual(big["old"] as? String, "200 OK")
        XCTAssertEqual(big["new"] as? String, "404 Not Found")
    }

    func testUnreadableInputAndBadFlagsAreOneLineExitTwo() throws {
        let (a, _) = try NginxBuildPair.capture(in: work)
        let missing = try diff([a, work + "/missing.pcap"])
        XCTAssertEqual(missing.status, 2)
        let lines = missing.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, missing.stderrText)
        XCTAssertTrue(missing.stderrText.contains("missing.pcap"), missing.stderrText)
        XCTAssertEqual(missing.stdoutText, "")

        let badProtocol = try diff(["--protocol", "smtp", a, a])
        XCTAssertEqual(badProtocol.status, 2)
        XCTAssertTrue(badProtocol.stderrText.contains("--protocol"), badProtocol.stderrText)
    }
}
