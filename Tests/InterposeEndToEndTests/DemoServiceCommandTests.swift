import Foundation
import InterposeTestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `interpose demo-service` as the demo script runs it: one readiness line, answers over HTTP,
/// a clean exit on SIGTERM, and exit status 2 with one line for bad flags.
final class DemoServiceCommandTests: XCTestCase {
    private func runInterpose(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(InterposeBinary.path, arguments, timeout: 30)
    }

    private func assertOneLineError(
        _ result: ProcessRunner.Result, mentions text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(result.status, 2, "exit status; stderr: \(result.stderrText)", file: file, line: line)
        XCTAssertFalse(result.timedOut, file: file, line: line)
        let lines = result.stderrText.split(separator: "\n")
        XCTAssertTrue(
            lines.first?.contains(text) ?? false, "first line names the problem: \(result.stderrText)",
            file: file, line: line)
        XCTAssertLessThanOrEqual(
            lines.count, 2, "one line (and at most a usage hint): \(result.stderrText)",
            file: file, line: line)
    }

    func testBuild2AnswersUser7AsEnterpriseAndStopsCleanlyOnSIGTERM() throws {
        let port = FreePort.next()
        let service = try BackgroundProcess(
            InterposeBinary.path, ["demo-service", "--listen", "127.0.0.1:\(port)", "--build", "2"])
        let log = try service.waitForOutput(containing: "listening on", timeout: 30)
        XCTAssertEqual(log, "demo-service build 2 listening on 127.0.0.1:\(port)\n")
        let curl = try ProcessRunner.run("curl", ["-s", "--max-time", "10", "http://127.0.0.1:\(port)/users/7"])
        XCTAssertEqual(curl.status, 0, curl.stderrText)
        XCTAssertTrue(curl.stdoutText.contains(#""plan":"enterprise""#), curl.stdoutText)
        service.signal(SIGTERM)
        XCTAssertEqual(service.waitForExit(timeout: 20), 0, service.stderrText)
    }

    func testListenPortZeroPrintsTheBoundPort() throws {
        let service = try BackgroundProcess(
            InterposeBinary.path, ["demo-service", "--listen", "127.0.0.1:0", "--build", "1"])
        let log = try service.waitForOutput(containing: "listening on", timeout: 30)
        let port = try XCTUnwrap(
            log.split(separator: ":").last.flatMap { UInt16($0.trimmingCharacters(in: .newlines)) })
        XCTAssertNotEqual(port, 0)
        let curl = try ProcessRunner.run("curl", ["-s", "--max-time", "10", "http://127.0.0.1:\(port)/health"])
        XCTAssertEqual(curl.stdoutText, #"{"status":"ok"}"#)
        service.signal(SIGINT)
        XCTAssertEqual(service.waitForExit(timeout: 20), 0, service.stderrText)
    }

    func testBuildOtherThanOneOrTwoIsExitTwo() throws {
        assertOneLineError(
            try runInterpose(["demo-service", "--listen", "127.0.0.1:0", "--build", "3"]),
            mentions: "--build must be 1 or 2, not 3")
    }

    func testNonNumericBuildIsExitTwo() throws {
        assertOneLineError(
            try runInterpose(["demo-service", "--listen", "127.0.0.1:0", "--build", "new"]),
            mentions: "--build")
    }

    func testUnparseableListenAndRedisAddressesAreExitTwo() throws {
        assertOneLineError(
            try runInterpose(["demo-service", "--listen", "8080", "--build", "1"]),
            mentions: "--listen '8080'")
        assertOneLineError(
            try runInterpose(["demo-service", "--listen", "127.0.0.1:0", "--build", "1", "--redis", "localhost"]),
            mentions: "--redis 'localhost'")
    }

    func testMissingFlagIsExitTwo() throws {
        let result = try runInterpose(["demo-service", "--build", "1"])
        XCTAssertEqual(result.status, 2, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("--listen"), result.stderrText)
    }

    func testPortInUseIsOneLineAndExitTwo() throws {
        let holder = try BlockingSocket.listen()
        let result = try runInterpose(["demo-service", "--listen", "127.0.0.1:\(holder.localPort)", "--build", "1"])
        assertOneLineError(result, mentions: "cannot listen on 127.0.0.1:\(holder.localPort)")
        XCTAssertTrue(result.stderrText.contains("in use"), result.stderrText)
    }
}
