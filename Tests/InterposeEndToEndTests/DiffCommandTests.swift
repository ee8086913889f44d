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

    func testExitStatusesTextJSONAndReport() throws {
        let (a, b) = try NginxBuildPair.capture(in: work)
        let noise = ["--ignore", "header:date", "--ignore", "header:last-modified", "--ignore", "header:etag"]

        let same = try diff([a, a])
        XCTAssertEqual(same.status, 0, same.stdoutText + same.stderrText)
        XCTAssertTrue(same.stdoutText.contains("NO REGRESSION: all 4 messages the same"), same.stdoutText)

        let different = try diff(noise + [a, b])
        XCTAssertEqual(different.status, 1, different.stderrText)
        XCTAssertTrue(
            different.stdoutText.contains("REGRESSION: 2 differ, 0 missing, 0 extra in 4 messages"),
            different.stdoutText)
        let statusRow = different.stdoutText.split(separator: "\n").first {
            $0.contains("/big.bin") && $0.contains("status")
        }
        XCTAssertNotNil(statusRow, different.stdoutText)
        XCTAssertTrue(statusRow?.contains("200") == true && statusRow?.contains("404") == true, different.stdoutText)

        let reportDirectory = work + "/report"
        let json = try diff(noise + ["--json", "--report", reportDirectory, a, b])
        XCTAssertEqual(json.status, 1, json.stderrText)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        XCTAssertEqual(document["conversations"] as? Int, 2)
        XCTAssertEqual(document["messages_compared"] as? Int, 4)
        XCTAssertEqual(document["same"] as? Int, 2)
        XCTAssertEqual(document["missing"] as? Int, 0)
        XCTAssertEqual(document["extra"] as? Int, 0)
        let differences = try XCTUnwrap(document["differences"] as? [[String: Any]])
        let status = try XCTUnwrap(differences.first { $0["field"] as? String == "status" })
        XCTAssertEqual(status["request"] as? String, "GET /big.bin HTTP/1.1")
        XCTAssertEqual(status["recorded"] as? String, "200")
        XCTAssertEqual(status["replayed"] as? String, "404")
        XCTAssertEqual(
            status["conversation"] as? Int,
            document["conversation_results"].flatMap { ($0 as? [[String: Any]])?.first?["id"] as? Int })
        XCTAssertEqual(status["message"] as? Int, 1)
        let noiseCounts = try XCTUnwrap(document["noise"] as? [[String: Any]])
        let noiseFields = Set(noiseCounts.compactMap { $0["field"] as? String })
        XCTAssertTrue(noiseFields.isSuperset(of: ["header:last-modified", "header:etag"]), "\(noiseFields)")
        XCTAssertTrue(
            noiseFields.isSubset(of: ["header:date", "header:last-modified", "header:etag"]), "\(noiseFields)")
        for file in ["report.json", "junit.xml", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: reportDirectory + "/" + file), file)
        }
    }

    func testUnreadableInputAndBadFlagsAreOneLineExitTwo() throws {
        let (a, _) = try NginxBuildPair.capture(in: work)
        let missing = try diff([a, work + "/missing.pcap"])
        XCTAssertEqual(missing.status, 2)
        let lines = missing.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, missing.stderrText)
        XCTAssertTrue(missing.stderrText.contains("missing.pcap"), missing.stderrText)
        XCTAssertEqual(missing.stdoutText, "")

        let badRule = try diff(["--ignore", "cookie:x", a, a])
        XCTAssertEqual(badRule.status, 2)
        XCTAssertEqual(badRule.stderrText.split(separator: "\n").count, 1, badRule.stderrText)
        XCTAssertTrue(badRule.stderrText.contains("cookie:x"), badRule.stderrText)

        let badProtocol = try diff(["--protocol", "smtp", a, a])
        XCTAssertEqual(badProtocol.status, 2)
        XCTAssertTrue(badProtocol.stderrText.contains("--protocol"), badProtocol.stderrText)
    }
}
