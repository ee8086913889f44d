import Foundation
import InterposeTestSupport
import XCTest

/// `interpose explain`: the finding catalogue for people, the README's table generated from it, and
/// every code the checks report on real captures explained.
final class ExplainCommandTests: XCTestCase {
    private func explain(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(InterposeBinary.path, ["explain"] + arguments, timeout: 30)
    }

    func testREADMETableOfFindingsIsTheCatalogue() throws {
        let generated = try explain(["--markdown"])
        XCTAssertEqual(generated.status, 0, generated.stderrText)
        let readme = try String(contentsOfFile: RepositoryFixtures.repositoryRoot + "/README.md", encoding: .utf8)
        let begin = try XCTUnwrap(readme.range(of: "<!-- findings:begin -->\n"), "README has the findings markers")
        let end = try XCTUnwrap(readme.range(of: "<!-- findings:end -->"), "README has the findings markers")
        let table = String(readme[begin.upperBound..<end.lowerBound])
        XCTAssertEqual(
            table, generated.stdoutText,
            "README.md's table of findings differs from the catalogue: run scripts/readme-findings")
        XCTAssertGreaterThan(table.split(separator: "\n").count, 60, "every code is a row")
    }

    func testACodeIsExplainedWithItsSeverityAndMeaning() throws {
        let gap = try explain(["tcp.gap"])
        XCTAssertEqual(gap.status, 0, gap.stderrText)
        XCTAssertTrue(gap.stdoutText.hasPrefix("tcp.gap  warning\n"), gap.stdoutText)
        XCTAssertTrue(gap.stdoutText.contains("missing"), gap.stdoutText)

        let retry = try explain(["postgres.retried-request"])
        XCTAssertEqual(retry.status, 0, retry.stderrText)
        XCTAssertTrue(retry.stdoutText.hasPrefix("postgres.retried-request  info (warning for"), retry.stdoutText)
        XCTAssertTrue(retry.stdoutText.contains("redis.retried-request"), "family members listed: \(retry.stdoutText)")
    }

    func testAnUnknownCodeIsOneLineWithNearCodesAndStatusTwo() throws {
        for code in ["redis.unanswered", "nonsense", "raw.retried-request"] {
            let result = try explain([code])
            XCTAssertEqual(result.status, 2, "\(code): \(result.stdoutText)")
            XCTAssertEqual(result.stderrText.split(separator: "\n").count, 1, result.stderrText)
            XCTAssertTrue(result.stderrText.contains("no finding has the code '\(code)'"), result.stderrText)
        }
        let near = try explain(["redis.unanswered"])
        XCTAssertTrue(near.stderrText.contains("redis.unanswered-command"), near.stderrText)
    }

    func testEveryCodeTheChecksReportOnTheCorpusIsExplained() throws {
        let corpus = try CorpusManifest()
        var codes: Set<String> = []
        for entry in corpus.entries where entry.tsharkOK && entry.tcpConversations > 0 {
            let result = try ProcessRunner.run(
                InterposeBinary.path, ["check", "--json", corpus.path(of: entry)], timeout: 60)
            guard result.status != 2,
                let document = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any],
                let findings = document["findings"] as? [[String: Any]]
            else { continue }
            codes.formUnion(findings.compactMap { $0["code"] as? String })
        }
        XCTAssertGreaterThan(codes.count, 15, "the corpus exercises many checks: \(codes.sorted())")
        for code in codes.sorted() {
            let result = try explain([code])
            XCTAssertEqual(result.status, 0, "\(code) is reported but not explained: \(result.stderrText)")
        }
    }
}
