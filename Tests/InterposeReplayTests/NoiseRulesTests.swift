import Foundation
import InterposeReplay
import XCTest

/// `--ignore` rules: parsing, errors, rules files, wildcard matching and regex masking.
final class NoiseRulesTests: XCTestCase {
    func testParsesEveryKind() throws {
        let rules = try NoiseRules(["header:Date", "json:$.meta", "field:row[*].updated_at", "regex:[0-9a-f]{8}"])
        XCTAssertEqual(
            rules.rules, [.header("Date"), .json("$.meta"), .field("row[*].updated_at"), .regex("[0-9a-f]{8}")])
        XCTAssertEqual(
            rules.rules.map(\.description),
            ["header:Date", "json:$.meta", "field:row[*].updated_at", "regex:[0-9a-f]{8}"])
    }

    func testErrorsAreOneLineNamingTheRule() {
        func message(_ spec: String) -> String {
            do {
                _ = try NoiseRules([spec])
                return "no error"
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(message("xyz"), "--ignore 'xyz': expected header:NAME, json:$.PATH, field:PATH or regex:PATTERN")
        XCTAssertEqual(
            message("json:meta.ts"),
            "--ignore 'json:meta.ts': a JSON path starts at the root $, e.g. json:$.meta.ts or json:$.items[*].id")
        XCTAssertTrue(
            message("regex:(").hasPrefix("--ignore 'regex:(': invalid regular expression: "), message("regex:("))
        XCTAssertTrue(message("header:").hasPrefix("--ignore 'header:': nothing after the kind"), message("header:"))
        XCTAssertFalse(message("regex:(").contains("\n"))
    }

    func testHeaderRulesIgnoreCase() throws {
        let rules = try NoiseRules(["header:X-Request-ID"])
        XCTAssertTrue(rules.matches(field: "header:x-request-id"))
        XCTAssertFalse(rules.matches(field: "header:x-request"))
        XCTAssertFalse(rules.matches(field: "json:$.x-request-id"))
    }

    func testJSONWildcardsAndCoverage() throws {
        let rules = try NoiseRules(["json:$.items[*].ts", "json:$.*.version", "json:$.meta"])
        XCTAssertTrue(rules.matches(field: "json:$.items[0].ts"))
        XCTAssertTrue(rules.matches(field: "json:$.items[12].ts"))
        XCTAssertFalse(rules.matches(field: "json:$.items[0].id"))
        XCTAssertFalse(rules.matches(field: "json:$.items.ts"))
        XCTAssertTrue(rules.matches(field: "json:$.build.version"))
        XCTAssertFalse(rules.matches(field: "json:$.version"))
        XCTAssertTrue(rules.matches(field: "json:$.meta"))
        XCTAssertTrue(rules.matches(field: "json:$.meta.ts"))
        XCTAssertTrue(rules.matches(field: "json:$.meta[0]"))
        XCTAssertFalse(rules.matches(field: "json:$.metadata"))
    }

    func testFieldRules() throws {
        let rules = try NoiseRules(["field:row[*].updated_at", "field:reply[0]"])
        XCTAssertTrue(rules.matches(field: "row[3].updated_at"))
        XCTAssertFalse(rules.matches(field: "row[3].created_at"))
        XCTAssertTrue(rules.matches(field: "reply[0]"))
        XCTAssertTrue(rules.matches(field: "reply[0][1]"))
        XCTAssertFalse(rules.matches(field: "reply[1]"))
    }

    func testRegexMasksEveryMatch() throws {
        let rules = try NoiseRules([
            "regex:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "regex:t=[0-9]+",
        ])
        XCTAssertEqual(
            rules.mask("id 123e4567-e89b-12d3-a456-426614174000 and 00000000-0000-0000-0000-000000000000 at t=17"),
            "id <ignored> and <ignored> at <ignored>")
        XCTAssertFalse(rules.matches(field: "body"), "a regex rule matches values, not fields")
    }

    func testMergeAndPlus() throws {
        let merged = try NoiseRules(["header:date"]) + NoiseRules(["regex:[0-9]"])
        XCTAssertTrue(merged.matches(field: "header:date"))
        XCTAssertEqual(merged.mask("a1"), "a<ignored>")
        var rules = NoiseRules()
        XCTAssertTrue(rules.isEmpty)
        rules.merge(merged)
        XCTAssertEqual(rules.rules.count, 2)
    }

    func testFileSkipsCommentsAndBlankLinesAndNamesTheLineOfAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("noise-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.txt").path
        try "# volatile\n\nheader:date\n  json:$.served_at  \nregex:#[0-9]+\n".write(
            toFile: good, atomically: true, encoding: .utf8)
        let rules = try NoiseRules.load(file: good)
        XCTAssertEqual(rules.rules, [.header("date"), .json("$.served_at"), .regex("#[0-9]+")])
        let bad = directory.appendingPathComponent("bad.txt").path
        try "header:date\n# fine\ncookie\n".write(toFile: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try NoiseRules.load(file: bad)) { error in
            XCTAssertEqual(
                "\(error)", "\(bad):3: 'cookie': expected header:NAME, json:$.PATH, field:PATH or regex:PATTERN")
        }
        let missing = directory.appendingPathComponent("missing.txt").path
        XCTAssertThrowsError(try NoiseRules.load(file: missing)) { error in
            XCTAssertEqual(
                "\(error)",
                "cannot read noise rules file '\(missing)': no such file; give a readable UTF-8 file with one rule per line"
            )
        }
    }
}
