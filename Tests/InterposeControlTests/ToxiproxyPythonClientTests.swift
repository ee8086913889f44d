import Foundation
import InterposeTestSupport
import XCTest

/// The published `toxiproxy-python` client (pinned in scripts/setup, in `.build/venv`) drives the
/// control API unchanged: create, toxics, list, down/up, reset, populate, destroy, with real Redis
/// traffic through the proxies it made.
final class ToxiproxyPythonClientTests: XCTestCase {
    private static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testPublishedToxiproxyPythonClientWorksUnchanged() async throws {
        let python = Self.packageRoot.appendingPathComponent(".build/venv/bin/python3").path
        let probe = try ProcessRunner.run(python, ["-c", "import toxiproxy"], timeout: 30)
        XCTAssertEqual(
            probe.status, 0, "toxiproxy-python is missing from .build/venv: run scripts/setup (\(probe.stderrText))")
        guard probe.status == 0 else { return }

        let redis = try RedisServer()
        defer { redis.stop() }
        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        let script = Self.packageRoot.appendingPathComponent("Tests/InterposeControlTests/toxiproxy_client_check.py")
            .path
        let result = try ProcessRunner.run(python, [script, "\(api.port)", "\(redis.port)"], timeout: 120)
        XCTAssertEqual(result.status, 0, "stdout:\n\(result.stdoutText)\nstderr:\n\(result.stderrText)")
        XCTAssertTrue(result.stdoutText.contains("toxiproxy-python: all checks passed"), result.stdoutText)
    }

    /// The toxics set through the client act on real traffic as asked: latency within 5 ms,
    /// bandwidth within 10 %, reset_peer as ECONNRESET within the delay plus 20 ms, /reset and
    /// disabling (the figures are printed by the script and in the failure message).
    func testToxicsSetThroughTheClientActOnRealTraffic() async throws {
        let python = Self.packageRoot.appendingPathComponent(".build/venv/bin/python3").path
        let probe = try ProcessRunner.run(python, ["-c", "import toxiproxy"], timeout: 30)
        XCTAssertEqual(
            probe.status, 0, "toxiproxy-python is missing from .build/venv: run scripts/setup (\(probe.stderrText))")
        guard probe.status == 0 else { return }

        let api = try await ControlHarness()
        defer { Task { await api.stop() } }
        let script = Self.packageRoot.appendingPathComponent("Tests/InterposeControlTests/toxiproxy_effects_check.py")
            .path
        let result = try ProcessRunner.run(python, [script, "\(api.port)"], timeout: 120)
        XCTAssertEqual(result.status, 0, "stdout:\n\(result.stdoutText)\nstderr:\n\(result.stderrText)")
        XCTAssertTrue(result.stdoutText.contains("toxiproxy-python effects: all checks passed"), result.stdoutText)
    }
}
