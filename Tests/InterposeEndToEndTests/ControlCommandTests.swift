import Foundation
import InterposeTestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `interpose proxy --control/--config` as users run it: a YAML file of two proxies in front of two
/// real Redis servers, bad files, and the control API's refusal to listen openly without a token,
/// checked on an address of a network namespace the test makes (never a real interface).
final class ControlCommandTests: XCTestCase {
    private var tempDir: URL!

    override func setUpWithError() throws {
        tempDir = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-ctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tempDir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tempDir)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = tempDir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func assertOneLineError(
        _ result: ProcessRunner.Result, mentions texts: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(result.status, 2, "exit status; stderr: \(result.stderrText)", file: file, line: line)
        XCTAssertFalse(result.timedOut, file: file, line: line)
        XCTAssertEqual(
            result.stderrText.split(separator: "\n").count, 1, "one line: \(result.stderrText)", file: file, line: line)
        for text in texts {
            XCTAssertTrue(
                result.stderrText.contains(text), "mentions '\(text)': \(result.stderrText)", file: file, line: line)
        }
    }

    func testConfigFileRunsTwoProxiesToTwoRedisServersWithTheirCapturesAndStopsWithASummary() throws {
        let first = try RedisServer()
        defer { first.stop() }
        let second = try RedisServer()
        defer { second.stop() }
        let (cachePort, queuePort, controlPort) = (FreePort.next(), FreePort.next(), FreePort.next())
        let config = try write(
            "proxies.yaml",
            """
            control:
              address: 127.0.0.1:\(controlPort)
            capture_dir: captures
            seed: 7
            proxies:
              - name: cache
                listen: 127.0.0.1:\(cachePort)
                upstream: 127.0.0.1:\(first.port)
                protocol: redis
                checks: true
                toxics:
                  - {name: slow, type: latency, stream: downstream, attributes: {latency: 0}}
              - name: queue
                listen: 127.0.0.1:\(queuePort)
                upstream: 127.0.0.1:\(second.port)
                capture: queue-own.pcapng
            """)
        try FileManager.default.createDirectory(
            at: tempDir.appendingPathComponent("captures"), withIntermediateDirectories: true)
        let proxy = try BackgroundProcess(InterposeBinary.path, ["proxy", "--config", config])
        defer { proxy.stop() }
        try proxy.waitForOutput(containing: "control API on", timeout: 30)

        XCTAssertEqual(
            try ProcessRunner.run("redis-cli", ["-p", "\(cachePort)", "SET", "k", "one"]).stdoutText, "OK\n")
        XCTAssertEqual(
            try ProcessRunner.run("redis-cli", ["-p", "\(queuePort)", "SET", "k", "two"]).stdoutText, "OK\n")
        XCTAssertEqual(try ProcessRunner.run("redis-cli", ["-p", "\(first.port)", "GET", "k"]).stdoutText, "one\n")
        XCTAssertEqual(try ProcessRunner.run("redis-cli", ["-p", "\(second.port)", "GET", "k"]).stdoutText, "two\n")
        let toxics = try ProcessRunner.run(
            "curl", ["-s", "--max-time", "10", "http://127.0.0.1:\(controlPort)/proxies/cache/toxics"])
        XCTAssertTrue(toxics.stdoutText.contains("\"name\":\"slow\""), toxics.stdoutText)
        let findings = try ProcessRunner.run(
            "curl", ["-s", "--max-time", "10", "http://127.0.0.1:\(controlPort)/interpose/proxies/cache/findings"])
        XCTAssertTrue(findings.stdoutText.contains("\"checks\":true"), findings.stdoutText)

        proxy.signal(SIGINT)
        XCTAssertEqual(proxy.waitForExit(timeout: 20), 0, proxy.stderrText)
        let stderr = proxy.stderrText
        XCTAssertTrue(stderr.contains("interpose: stopped."), stderr)
        XCTAssertTrue(stderr.contains("cache: 1 connection"), stderr)
        XCTAssertTrue(stderr.contains("queue: 1 connection"), stderr)
        XCTAssertTrue(stderr.contains("cache: checks: 0 errors"), stderr)
        let cacheCapture = tempDir.appendingPathComponent("captures/cache.pcapng").path
        let queueCapture = tempDir.appendingPathComponent("queue-own.pcapng").path
        XCTAssertEqual(try TShark.streamCount(file: cacheCapture), 1)
        XCTAssertEqual(try TShark.streamCount(file: queueCapture), 1)
    }

    func testBadConfigFilesAreOneLineNamingTheFileTheKeyAndTheProblem() throws {
        let typo = try write("typo.yaml", "proxies:\n  - name: a\n    listen: 127.0.0.1:0\n    upstreem: 127.0.0.1:1\n")
        assertOneLineError(
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", typo], timeout: 30),
            mentions: ["typo.yaml", "proxies[0].upstreem", "unknown key"])

        let missing = try write("missing.yaml", "proxies:\n  - name: a\n    listen: 127.0.0.1:0\n")
        assertOneLineError(
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", missing], timeout: 30),
            mentions: ["missing.yaml", "proxies[0].upstream", "missing"])

        let toxic = try write(
            "toxic.yaml",
            "proxies:\n  - name: a\n    listen: 127.0.0.1:0\n    upstream: 127.0.0.1:1\n    toxics:\n      - {type: latency, toxicity: 2}\n"
        )
        assertOneLineError(
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", toxic], timeout: 30),
            mentions: ["toxic.yaml", "proxies[0].toxics[0]", "toxicity"])

        let address = try write("address.yaml", "proxies:\n  - {name: a, listen: nowhere, upstream: 127.0.0.1:1}\n")
        assertOneLineError(
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", address], timeout: 30),
            mentions: ["address.yaml", "proxies[0].listen"])

        let yaml = try write("broken.yaml", "proxies: [\n")
        assertOneLineError(
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", yaml], timeout: 30),
            mentions: ["broken.yaml"])

        assertOneLineError(
            try ProcessRunner.run(
                InterposeBinary.path, ["proxy", "--config", tempDir.appendingPathComponent("none.yaml").path],
                timeout: 30),
            mentions: ["none.yaml", "cannot read"])

        assertOneLineError(
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", tempDir.path], timeout: 30),
            mentions: [tempDir.path, "is a directory, not a config file"])
        let binary = tempDir.appendingPathComponent("binary.yaml").path
        XCTAssertTrue(FileManager.default.createFile(atPath: binary, contents: Data([0xFF, 0xFE, 0x00, 0x01])))
        assertOneLineError(
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", binary], timeout: 30),
            mentions: ["binary.yaml", "is not UTF-8 text"])
        for result in [
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", tempDir.path], timeout: 30),
            try ProcessRunner.run(InterposeBinary.path, ["proxy", "--config", binary], timeout: 30),
        ] {
            XCTAssertFalse(result.stderrText.contains("NSCocoaErrorDomain"), result.stderrText)
        }
    }

    func testConfigIsReadFromAPipeAndAMissingCaptureDirIsCreatedOwnerOnly() throws {
        let controlPort = FreePort.next()
        let directory = tempDir.appendingPathComponent("new/captures").path
        let config = "control: {address: 127.0.0.1:\(controlPort)}\ncapture_dir: \(directory)\n"
        // <(...) as a shell gives it: a pipe the file is read from once.
        let proxy = try BackgroundProcess(
            "/bin/bash", ["-c", "exec \"$0\" proxy --config <(printf '%s' \"$1\")", InterposeBinary.path, config])
        defer { proxy.stop() }
        try proxy.waitForOutput(containing: "control API on", timeout: 30)
        XCTAssertEqual(try permissionBits(directory), 0o700, "created at start, the owner's only")
        let created = try ProcessRunner.run(
            "curl",
            [
                "-s", "--max-time", "10", "-w", "\n%{http_code}", "-XPOST", "http://127.0.0.1:\(controlPort)/proxies",
                "-d", "{\"name\":\"api\",\"listen\":\"127.0.0.1:0\",\"upstream\":\"127.0.0.1:1\"}",
            ])
        XCTAssertEqual(created.stdoutText.split(separator: "\n").last, "201", created.stdoutText)
        XCTAssertEqual(try permissionBits(directory + "/api.pcapng"), 0o600)
        proxy.signal(SIGTERM)
        XCTAssertEqual(proxy.waitForExit(timeout: 20), 0, proxy.stderrText)
    }

    func testCaptureDirThatIsAFileIsRefusedAtStart() throws {
        let file = try write("not-a-dir", "x")
        assertOneLineError(
            try ProcessRunner.run(
                InterposeBinary.path, ["proxy", "--control", "127.0.0.1:0", "--capture-dir", file], timeout: 30),
            mentions: ["--capture-dir \(file)", "not a directory"])
    }

    func testControlWithoutListenStartsWithNoProxiesAndStopsCleanly() throws {
        let controlPort = FreePort.next()
        let proxy = try BackgroundProcess(InterposeBinary.path, ["proxy", "--control", "127.0.0.1:\(controlPort)"])
        defer { proxy.stop() }
        try proxy.waitForOutput(containing: "control API on", timeout: 30)
        let list = try ProcessRunner.run("curl", ["-s", "--max-time", "10", "http://127.0.0.1:\(controlPort)/proxies"])
        XCTAssertEqual(list.stdoutText, "{}")
        proxy.signal(SIGTERM)
        XCTAssertEqual(proxy.waitForExit(timeout: 20), 0, proxy.stderrText)
        XCTAssertTrue(proxy.stderrText.contains("interpose: stopped."), proxy.stderrText)
    }

    // MARK: - Binding elsewhere than loopback, in a namespace of the test's own

    /// A network namespace with its loopback up and a TEST-NET address (192.0.2.10) added to it:
    /// a non-loopback address that exists only inside the namespace.
    private final class Namespace {
        let name = "interpose-ctl-\(getpid())-\(UInt16.random(in: 1000...9999))"
        let address = "192.0.2.10"

        init() throws {
            try Namespace.ip(["netns", "add", name])
            do {
                try Namespace.ip(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
                try Namespace.ip(["netns", "exec", name, "ip", "addr", "add", "\(address)/32", "dev", "lo"])
            } catch {
                remove()
                throw error
            }
        }

        func remove() { _ = try? ProcessRunner.run("ip", ["netns", "del", name], timeout: 10) }

        static func ip(_ arguments: [String]) throws {
            let result = try ProcessRunner.run("ip", arguments, timeout: 10)
            guard result.status == 0 else {
                throw XCTSkip(
                    "cannot set up a network namespace (ip \(arguments.joined(separator: " "))): \(result.stderrText)")
            }
        }
    }

    func testControlOnANonLoopbackAddressNeedsATokenAndChecksIt() throws {
        guard getuid() == 0, ProcessRunner.which("ip") != nil else { throw XCTSkip("needs root and iproute2") }
        let namespace = try Namespace()
        defer { namespace.remove() }
        let control = "\(namespace.address):8474"

        let refused = try ProcessRunner.run(
            "ip", ["netns", "exec", namespace.name, InterposeBinary.path, "proxy", "--control", control], timeout: 30)
        assertOneLineError(refused, mentions: ["192.0.2.10:8474", "--control-token"])

        let proxy = try BackgroundProcess(
            "ip",
            [
                "netns", "exec", namespace.name, InterposeBinary.path, "proxy", "--control", control,
                "--control-token", "s3cret",
            ])
        defer { proxy.stop() }
        try proxy.waitForOutput(containing: "control API on", timeout: 30)
        func curl(_ extra: [String]) throws -> String {
            let result = try ProcessRunner.run(
                "ip",
                [
                    "netns", "exec", namespace.name, "curl", "-s", "--max-time", "10", "-o", "/dev/null",
                    "-w", "%{http_code}",
                ] + extra + ["http://\(control)/proxies"], timeout: 20)
            return result.stdoutText
        }
        XCTAssertEqual(try curl([]), "401")
        XCTAssertEqual(try curl(["-H", "Authorization: Bearer wrong"]), "401")
        XCTAssertEqual(try curl(["-H", "Authorization: Bearer s3cret"]), "200")
        proxy.signal(SIGTERM)
        XCTAssertEqual(proxy.waitForExit(timeout: 20), 0, proxy.stderrText)
    }
}
