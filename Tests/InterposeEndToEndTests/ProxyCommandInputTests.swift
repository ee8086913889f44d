import Foundation
import InterposeTestSupport
import XCTest

/// Bad input to `interpose proxy`: one clear line, exit status 2, nothing half-started.
final class ProxyCommandInputTests: XCTestCase {
    private func runInterpose(_ arguments: [String], timeout: Double = 30) throws -> ProcessRunner.Result {
        try ProcessRunner.run(InterposeBinary.path, arguments, timeout: timeout)
    }

    private func assertOneLineError(
        _ result: ProcessRunner.Result, mentions text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(result.status, 2, "exit status; stderr: \(result.stderrText)", file: file, line: line)
        XCTAssertFalse(result.timedOut, file: file, line: line)
        let lines = result.stderrText.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, 1, file: file, line: line)
        XCTAssertTrue(
            lines.first?.contains(text) ?? false, "first line names the problem: \(result.stderrText)",
            file: file, line: line)
        XCTAssertLessThanOrEqual(
            lines.count, 2, "one line (and at most a usage hint): \(result.stderrText)",
            file: file, line: line)
        XCTAssertFalse(
            result.stderrText.contains("Fatal error"), "no crash: \(result.stderrText)", file: file, line: line)
    }

    func testUnparseableListenAddressIsOneLineAndExitTwo() throws {
        let result = try runInterpose(["proxy", "--listen", "no-port-here", "--upstream", "127.0.0.1:6379"])
        assertOneLineError(result, mentions: "--listen 'no-port-here'")
    }

    func testUnparseableUpstreamAddressIsOneLineAndExitTwo() throws {
        let result = try runInterpose(["proxy", "--listen", "127.0.0.1:0", "--upstream", "1.2.3.4:99999"])
        assertOneLineError(result, mentions: "--upstream '1.2.3.4:99999'")
    }

    func testUpstreamNameThatDoesNotResolveIsOneLineAndExitTwo() throws {
        let result = try runInterpose(["proxy", "--listen", "127.0.0.1:0", "--upstream", "no-such-host.invalid:6379"])
        assertOneLineError(result, mentions: "cannot resolve no-such-host.invalid for --upstream")
    }

    func testMissingRequiredFlagIsExitTwo() throws {
        let result = try runInterpose(["proxy", "--listen", "127.0.0.1:0"])
        XCTAssertEqual(result.status, 2, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("--upstream"), result.stderrText)
    }

    func testUnknownFlagIsExitTwo() throws {
        let result = try runInterpose(["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--bogus"])
        XCTAssertEqual(result.status, 2, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("--bogus"), result.stderrText)
    }

    func testBadOverflowPolicyIsExitTwo() throws {
        let result = try runInterpose([
            "proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--capture", "/tmp/x.pcapng",
            "--capture-overflow", "sometimes",
        ])
        assertOneLineError(result, mentions: "--capture-overflow")
    }

    func testPortInUseIsExitTwoAndLeavesNoCaptureFile() throws {
        let holder = try BlockingSocket.listen()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let capture = dir.appendingPathComponent("c.pcapng").path
        let result = try runInterpose([
            "proxy", "--listen", "127.0.0.1:\(holder.localPort)", "--upstream", "127.0.0.1:1", "--capture", capture,
        ])
        assertOneLineError(result, mentions: "cannot listen on 127.0.0.1:\(holder.localPort)")
        XCTAssertTrue(result.stderrText.contains("in use"), result.stderrText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: capture), "a failed start leaves no capture file behind")
    }

    func testUnwritableCapturePathIsExitTwoAndDoesNotListen() throws {
        let port = FreePort.next()
        let result = try runInterpose([
            "proxy", "--listen", "127.0.0.1:\(port)", "--upstream", "127.0.0.1:1",
            "--capture", "/nonexistent-dir/sub/c.pcapng",
        ])
        assertOneLineError(result, mentions: "/nonexistent-dir/sub/c.pcapng")
        // Nothing half-started: the port was never taken (and the process is gone).
        XCTAssertNoThrow(try BlockingSocket.listen(port: port))
    }
}
