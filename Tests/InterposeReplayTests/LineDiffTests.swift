import InterposeReplay
import XCTest

/// The line diff behind the HTML report's side-by-side view.
final class LineDiffTests: XCTestCase {
    func testChangedLineFacesItsReplacementAndAddedLinesStandAlone() {
        let diff = LineDiff(old: "a\r\nb\r\nc\r\n", new: "a\nB\nc\nd\n")
        XCTAssertEqual(
            diff.edits,
            [.same(old: 0, new: 0), .removed(old: 1), .added(new: 1), .same(old: 2, new: 2), .added(new: 3)])
        XCTAssertEqual(
            diff.rows(context: nil).map { "\($0.kind) \($0.oldText ?? "-") \($0.newText ?? "-")" },
            ["same a a", "changed b B", "same c c", "added - d"])
        XCTAssertFalse(diff.isApproximate)
        XCTAssertTrue(LineDiff(old: "x\ny", new: "x\ny\n").isEmpty)
    }

    func testLongUnchangedRunsCollapseIntoGaps() {
        let old = (1...40).map { "line \($0)" }.joined(separator: "\n")
        let new = old.replacingOccurrences(of: "line 20\n", with: "line twenty\n")
        let rows = LineDiff(old: old, new: new).rows(context: 3)
        XCTAssertEqual(
            rows.map(\.kind),
            [.gap] + Array(repeating: .same, count: 3) + [.changed] + Array(repeating: .same, count: 3) + [.gap])
        XCTAssertEqual(rows.first?.skipped, 16)
        XCTAssertEqual(rows.last?.skipped, 17)
        XCTAssertEqual(rows[4].oldNumber, 20)
    }

    func testHugeInputsFallBackToRemovedThenAdded() {
        let old = (0..<3_000).map { "old \($0)" }.joined(separator: "\n")
        let new = (0..<3_000).map { "new \($0)" }.joined(separator: "\n")
        let diff = LineDiff(old: "head\n" + old, new: "head\n" + new)
        XCTAssertTrue(diff.isApproximate)
        XCTAssertEqual(diff.edits.count, 6_001)
        XCTAssertEqual(diff.edits[1], .removed(old: 1))
        XCTAssertEqual(diff.edits.last, .added(new: 3_000))
    }
}
