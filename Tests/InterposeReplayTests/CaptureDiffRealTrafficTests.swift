import Foundation
import InterposeCapture
import InterposeReader
import InterposeReplay
import InterposeTestSupport
import XCTest

/// `CaptureDiff` on real traffic: curl against two nginx builds captured with tcpdump, compared
/// exchange by exchange.
final class CaptureDiffRealTrafficTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-diff-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    func testChangedBodyAndMissingFileDifferAndTheRestIsSame() throws {
        let (a, b) = try NginxBuildPair.capture(in: work)
        let report = try CaptureDiff.compare(pathA: a, pathB: b)
        XCTAssertEqual(report.conversationsA, 2)
        XCTAssertEqual(report.conversationsB, 2)
        let rows = report.exchanges.map { "\($0.request) \($0.status.rawValue)" }
        XCTAssertEqual(
            rows,
            [
                "GET / HTTP/1.1 differs", "GET /big.bin HTTP/1.1 differs", "GET /missing HTTP/1.1 same",
                "GET /same.txt HTTP/1.1 same",
            ], "\(report.exchanges)")
        let index = report.exchanges[0]
        XCTAssertTrue(index.detail.hasPrefix("body changed"), index.detail)
        XCTAssertEqual(index.old, "200 OK")
        XCTAssertEqual(index.new, "200 OK")
        let big = report.exchanges[1]
        XCTAssertEqual(big.detail, "status 200 -> 404")
        XCTAssertEqual(big.old, "200 OK")
        XCTAssertEqual(big.new, "404 Not Found")
        XCTAssertTrue(report.exchanges.allSatisfy { $0.connectionA != nil && $0.connectionB != nil })
        XCTAssertTrue(report.exchanges.allSatisfy { $0.latencyA != nil && $0.latencyB != nil })
        XCTAssertEqual(report.count(.same), 2)
        XCTAssertEqual(report.count(.differs), 2)
        XCTAssertTrue(report.hasDifferences)
    }

    func testACaptureDiffedWithItselfIsAllSame() throws {
        let (a, _) = try NginxBuildPair.capture(in: work)
        let report = try CaptureDiff.compare(pathA: a, pathB: a)
        XCTAssertEqual(report.exchanges.count, 4)
        XCTAssertTrue(report.exchanges.allSatisfy { $0.status == .same }, "\(report.exchanges)")
        XCTAssertFalse(report.hasDifferences)
        XCTAssertTrue(report.renderText().contains("SAME: all 4 exchanges"), report.renderText())
    }

    func testConversationsWithoutAPartnerAreMissingOrExtraAsAWhole() throws {
        let (a, _) = try NginxBuildPair.capture(in: work)
        let conversations = try CaptureDiff.read(a)
        XCTAssertEqual(conversations.count, 2)
        let missing = CaptureDiff.compare(conversations, Array(conversations.prefix(1)))
        XCTAssertEqual(missing.map(\.status), [.same, .same, .same, .missing])
        XCTAssertEqual(missing.last?.detail, "conversation only in A")
        XCTAssertNil(missing.last?.connectionB)
        let extra = CaptureDiff.compare(Array(conversations.prefix(1)), conversations)
        XCTAssertEqual(extra.map(\.status), [.same, .same, .same, .extra])
        XCTAssertEqual(extra.last?.request, "GET /same.txt HTTP/1.1")
    }

    func testAnUnreadableCaptureIsAnErrorNamingTheFile() throws {
        let (a, _) = try NginxBuildPair.capture(in: work)
        XCTAssertThrowsError(try CaptureDiff.compare(pathA: a, pathB: work + "/none.pcap")) { error in
            XCTAssertTrue("\(error)".contains("none.pcap"), "\(error)")
        }
    }
}
