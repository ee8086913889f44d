import Foundation
import InterposeCapture
import InterposeCore
import InterposeReader
import InterposeReplay
import InterposeTestSupport
import XCTest

/// `CaptureDiff` on real traffic: curl against two nginx builds captured with tcpdump, compared
/// message by message and field by field.
final class CaptureDiffRealTrafficTests: XCTestCase {
    private var work = ""
    /// What differs between two nginx instances serving the same files: the time of the response and
    /// the files' modification times (ETag is made of the mtime and the size).
    private let nginxNoise = try! NoiseRules(["header:date", "header:last-modified", "header:etag"])

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-diff-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func rows(_ report: ReplayReport) -> [String] {
        report.conversations.flatMap { conversation in
            conversation.messages.map { message in
                ([message.request, message.verdict.rawValue] + message.differences.map(\.field)).joined(separator: " ")
            }
        }
    }

    func testChangedBodyAndMissingFileDifferAndTheRestIsSame() throws {
        let (a, b) = try NginxBuildPair.capture(in: work)
        let report = try CaptureDiff.compare(pathA: a, pathB: b, rules: nginxNoise)
        XCTAssertEqual(report.conversations.count, 2)
        XCTAssertEqual(
            rows(report),
            [
                "GET / HTTP/1.1 differs body",
                "GET /big.bin HTTP/1.1 differs status header:content-type header:accept-ranges body",
                "GET /missing HTTP/1.1 same", "GET /same.txt HTTP/1.1 same",
            ])
        let big = report.conversations[0].messages[1]
        XCTAssertEqual(big.differences.first, FieldDifference(field: "status", recorded: "200", replayed: "404"))
        XCTAssertEqual(big.recordedSummary, "200 OK")
        XCTAssertEqual(big.replayedSummary, "404 Not Found")
        let index = report.conversations[0].messages[0].differences[0]
        XCTAssertTrue(index.replayed?.contains("build 2") ?? false, "\(index)")
        XCTAssertTrue(report.conversations.allSatisfy { $0.replayedID != nil && $0.error == nil })
        XCTAssertTrue(
            report.conversations.flatMap(\.messages).allSatisfy {
                $0.recordedLatency != nil && $0.replayedLatency != nil
            })
        XCTAssertEqual(report.count(.same), 2)
        XCTAssertEqual(report.count(.differs), 2)
        // Date differs only when the two captures straddle a second; the files' times always differ.
        let noise = Set(report.noise.map(\.field))
        XCTAssertTrue(noise.isSuperset(of: ["header:last-modified", "header:etag"]), "\(noise)")
        XCTAssertTrue(noise.isSubset(of: ["header:date", "header:last-modified", "header:etag"]), "\(noise)")
        XCTAssertTrue(report.hasRegressions)
    }

    func testWithoutNoiseRulesHeadersThatAreNoiseAreDifferences() throws {
        let (a, b) = try NginxBuildPair.capture(in: work)
        let report = try CaptureDiff.compare(pathA: a, pathB: b)
        let index = try XCTUnwrap(report.conversations.first?.messages.first)
        XCTAssertEqual(index.request, "GET / HTTP/1.1")
        // Build 2's index.html has another size, so its ETag (mtime-size) differs whatever the clock.
        XCTAssertTrue(index.differences.contains { $0.field == "header:etag" }, "\(index.differences)")
        XCTAssertTrue(index.noise.isEmpty, "\(index.noise)")
        XCTAssertTrue(report.noise.isEmpty)
    }

    func testACaptureDiffedWithItselfIsAllSame() throws {
        let (a, _) = try NginxBuildPair.capture(in: work)
        let report = try CaptureDiff.compare(pathA: a, pathB: a)
        XCTAssertEqual(report.messagesCompared, 4)
        XCTAssertEqual(report.count(.same), 4)
        XCTAssertFalse(report.hasRegressions)
        XCTAssertTrue(report.renderText().contains("NO REGRESSION"), report.renderText())
    }

    func testConversationsWithoutAPartnerAreMissingOrExtraAsAWhole() throws {
        let (a, _) = try NginxBuildPair.capture(in: work)
        let conversations = try CaptureDiff.read(a)
        XCTAssertEqual(conversations.count, 2)
        var comparison = ReplayComparison()
        let missing = comparison.report(
            CaptureDiff.pairs(conversations, Array(conversations.prefix(1))), recorded: "a", target: "b")
        XCTAssertEqual(missing.conversations.flatMap(\.messages).map(\.verdict), [.same, .same, .same, .missing])
        XCTAssertEqual(missing.conversations.last?.error, "conversation only in A")
        XCTAssertNil(missing.conversations.last?.replayedID)
        let extra = comparison.report(
            CaptureDiff.pairs(Array(conversations.prefix(1)), conversations), recorded: "a", target: "b")
        XCTAssertEqual(extra.conversations.flatMap(\.messages).map(\.verdict), [.same, .same, .same, .extra])
        XCTAssertEqual(extra.conversations.last?.messages.last?.request, "GET /same.txt HTTP/1.1")
        XCTAssertEqual(extra.conversations.last?.error, "conversation only in B")
    }

    func testAnUnreadableCaptureIsAnErrorNamingTheFile() throws {
        let (a, _) = try NginxBuildPair.capture(in: work)
        XCTAssertThrowsError(try CaptureDiff.compare(pathA: a, pathB: work + "/none.pcap")) { error in
            XCTAssertTrue("\(error)".contains("none.pcap"), "\(error)")
        }
    }
}
