import Foundation
import InterposeTestSupport
import XCTest

/// `scripts/precision` in its quick mode (issue 13): real clients of Redis, PostgreSQL, MQTT and HTTP run
/// direct and through `interpose proxy --check --capture`; their outcomes must be the same, every capture
/// must hold exactly the bytes tcpdump saw (and tshark must read it without a malformed packet), and the
/// protocols already quiet on this traffic must stay at 0 error findings and 0 replay regressions.
final class PrecisionHarnessTests: XCTestCase {
    /// Protocols whose checks raise no error finding, live or offline, on the harness's traffic: all.
    private let quietProtocols: Set<String> = ["redis", "pgsql", "mqtt", "http"]
    /// Protocols whose replays against fresh servers show no regression, run after run. Not yet: Redis
    /// (redis-benchmark's PING_INLINE conversations are read as raw, and the last PING the recording has no
    /// reply to is an "extra" message), MQTT (now and then a QoS 2 subscriber's conversation is reset by the
    /// target) and PostgreSQL (now and then a few conversations regress).
    private let replayCleanProtocols: Set<String> = ["http"]
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-precision-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        // A failed run's folder stays for its logs, captures and replay reports.
        if testRun?.hasSucceeded ?? true { try? FileManager.default.removeItem(atPath: work) }
    }

    func testRealClientsBehaveTheSameThroughTheCheckingProxyAndCapturesAreExact() throws {
        let script = RepositoryFixtures.repositoryRoot + "/scripts/precision"
        let result = try ProcessRunner.run(
            script, [], timeout: 600,
            environment: ["QUICK": "1", "OUT": work, "INTERPOSE_BIN": InterposeBinary.path])
        let summaryText =
            "run folder \(work):\n" + ((try? String(contentsOfFile: work + "/summary.txt", encoding: .utf8)) ?? "")
        XCTAssertEqual(result.status, 0, "scripts/precision failed: \(result.stderrText)\n\(summaryText)")
        let data = try Data(contentsOf: URL(fileURLWithPath: work + "/summary.json"))
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        XCTAssertEqual(Set(summary.keys), ["redis", "pgsql", "mqtt", "http"], summaryText)

        for (proto, figures) in summary.sorted(by: { $0.key < $1.key }) {
            let clients = figures["clients_total"] as? Int ?? 0
            XCTAssertGreaterThanOrEqual(clients, 10, "\(proto): too few clients ran\n\(summaryText)")
            XCTAssertEqual(figures["outcomes_same"] as? Int, clients, "\(proto): outcomes differ\n\(summaryText)")
            XCTAssertEqual(figures["capture_exact"] as? Bool, true, "\(proto): capture not exact\n\(summaryText)")
            XCTAssertEqual(figures["capture_malformed"] as? Int, 0, "\(proto): malformed packets\n\(summaryText)")
            XCTAssertGreaterThan(figures["replay_conversations"] as? Int ?? 0, 0, "\(proto): nothing replayed")
            if quietProtocols.contains(proto) {
                XCTAssertEqual(figures["live_errors"] as? Int, 0, "\(proto): live error findings\n\(summaryText)")
                XCTAssertEqual(figures["offline_errors"] as? Int, 0, "\(proto): offline error findings\n\(summaryText)")
            }
            if replayCleanProtocols.contains(proto) {
                XCTAssertEqual(figures["replay_regressions"] as? Int, 0, "\(proto): replay regressions\n\(summaryText)")
            }
        }
    }
}
