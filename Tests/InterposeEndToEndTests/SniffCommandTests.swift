import Foundation
import InterposeTestSupport
import XCTest

/// `interpose sniff` through the real binary, capturing real traffic live (the tests run as root):
/// on loopback with redis-server and redis-cli, on a veth pair between two network namespaces, and
/// the one-line errors for a missing interface and a bad filter.
final class SniffCommandTests: XCTestCase {
    private var work = ""
    private var namespaces: [String] = []

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-sniff-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for namespace in namespaces {
            _ = try? ProcessRunner.run("ip", ["netns", "delete", namespace], timeout: 10)
        }
        try? FileManager.default.removeItem(atPath: work)
    }

    /// Starts `interpose sniff ARGS` and waits until libpcap is capturing.
    private func startSniff(_ arguments: [String], prefix: [String] = []) throws -> BackgroundProcess {
        let executable = prefix.first ?? InterposeBinary.path
        let sniff =
            try BackgroundProcess(
                executable,
                Array(prefix.dropFirst()) + (prefix.isEmpty ? [] : [InterposeBinary.path]) + ["sniff"]
                    + arguments)
        try sniff.waitForOutput(containing: "capturing on", timeout: 10)
        return sniff
    }

    func testLoopbackRedisTrafficIsReportedAndWrittenByteForByte() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let capture = work + "/sniff.pcapng"
        let sniff = try startSniff([
            "--interface", "lo", "--filter", "tcp port \(redis.port)", "--duration", "3", "--json",
            "--capture", capture,
        ])
        for command in [["SET", "sniffed", "1"], ["GET", "sniffed"], ["INCR", "sniffed"]] {
            let reply = try ProcessRunner.run("redis-cli", ["-p", "\(redis.port)"] + command, timeout: 5)
            XCTAssertEqual(reply.status, 0, reply.stderrText)
        }
        XCTAssertEqual(sniff.waitForExit(timeout: 10), 0, sniff.stderrText)
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(sniff.stdoutText.utf8)) as? [String: Any], sniff.stdoutText)
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        XCTAssertEqual(connections.count, 3, "one conversation per redis-cli: \(connections)")
        XCTAssertTrue(connections.allSatisfy { $0["protocol"] as? String == "redis" }, "\(connections)")
        XCTAssertTrue(connections.allSatisfy { $0["state"] as? String == "complete" }, "\(connections)")
        XCTAssertTrue(connections.allSatisfy { $0["server"] as? String == "127.0.0.1:\(redis.port)" })
        let endpoints = try XCTUnwrap(document["endpoints"] as? [[String: Any]])
        for name in ["SET", "GET", "INCR"] {
            let group = try XCTUnwrap(endpoints.first { $0["request"] as? String == name }, "\(endpoints)")
            XCTAssertEqual(group["requests"] as? Int, 1, name)
            XCTAssertEqual(group["responses"] as? Int, 1, name)
        }
        let header = try XCTUnwrap(document["capture"] as? [String: Any])
        XCTAssertEqual(header["interface"] as? String, "lo")
        let drops = try XCTUnwrap(header["drops"] as? [String: Any])
        XCTAssertEqual(drops["dropped"] as? Int, 0)
        let packets = try XCTUnwrap(header["packets"] as? Int)
        XCTAssertEqual(header["tcp_packets"] as? Int, packets)
        XCTAssertGreaterThanOrEqual(packets, 3 * 7, "handshake, command, reply and close per conversation")

        // tshark reads the same packets from the capture file, and the drop counts from its statistics block.
        let frames = try TShark.run(["-r", capture, "-T", "fields", "-e", "frame.len"], timeout: 30)
        XCTAssertEqual(frames.split(separator: "\n").count, packets)
        let info = try ProcessRunner.run("capinfos", [capture], timeout: 30)
        XCTAssertTrue(info.stdoutText.contains("Number of stat entries = 1"), info.stdoutText)
        XCTAssertEqual(try TShark.streamCount(file: capture), 3)
        let first = try TShark.followTCP(file: capture, stream: 0)
        XCTAssertEqual(
            String(decoding: first.fromNode0, as: UTF8.self), "*3\r\n$3\r\nSET\r\n$7\r\nsniffed\r\n$1\r\n1\r\n")
        XCTAssertEqual(String(decoding: first.fromNode1, as: UTF8.self), "+OK\r\n")

        // Offline analysis of the file reports what the live capture reported.
        let offline = try ProcessRunner.run(InterposeBinary.path, ["analyze", "--json", capture], timeout: 30)
        XCTAssertEqual(offline.status, 0, offline.stderrText)
        let offlineDocument = try XCTUnwrap(try JSONSerialization.jsonObject(with: offline.stdout) as? [String: Any])
        let offlineConnections = try XCTUnwrap(offlineDocument["connections"] as? [[String: Any]])
        XCTAssertEqual(offlineConnections.map { $0["messages"] as? Int }, connections.map { $0["messages"] as? Int })
        XCTAssertEqual(offlineConnections.map { $0["client"] as? String }, connections.map { $0["client"] as? String })
    }

    func testVethBetweenNamespacesShowsTheConversation() throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let client = "isc-\(suffix)"
        let server = "iss-\(suffix)"
        for namespace in [client, server] {
            try checked("ip", ["netns", "add", namespace])
            namespaces.append(namespace)
        }
        try checked("ip", ["link", "add", "vc-\(suffix)", "type", "veth", "peer", "name", "vs-\(suffix)"])
        try checked("ip", ["link", "set", "vc-\(suffix)", "netns", client])
        try checked("ip", ["link", "set", "vs-\(suffix)", "netns", server])
        try checked("ip", ["-n", client, "addr", "add", "10.231.0.1/24", "dev", "vc-\(suffix)"])
        try checked("ip", ["-n", server, "addr", "add", "10.231.0.2/24", "dev", "vs-\(suffix)"])
        for (namespace, link) in [(client, "vc-\(suffix)"), (server, "vs-\(suffix)")] {
            try checked("ip", ["-n", namespace, "link", "set", link, "up"])
            try checked("ip", ["-n", namespace, "link", "set", "lo", "up"])
        }
        let listener = try BackgroundProcess(
            "ip",
            [
                "netns", "exec", server, "python3", "-c",
                """
                import socket
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("10.231.0.2", 7379)); s.listen(); print("listening", flush=True)
                c, _ = s.accept(); c.recv(100); c.sendall(b"+PONG\\r\\n"); c.close()
                """,
            ])
        defer { listener.stop() }
        try listener.waitForOutput(containing: "listening", timeout: 10)
        let sniff = try startSniff(
            ["--interface", "vc-\(suffix)", "--filter", "tcp", "--duration", "3", "--json"],
            prefix: ["ip", "netns", "exec", client])
        let ping = try ProcessRunner.run(
            "ip", ["netns", "exec", client, "redis-cli", "-h", "10.231.0.2", "-p", "7379", "PING"], timeout: 5)
        XCTAssertTrue(ping.stdoutText.contains("PONG"), ping.stdoutText + ping.stderrText)
        XCTAssertEqual(sniff.waitForExit(timeout: 10), 0, sniff.stderrText)
        let document = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(sniff.stdoutText.utf8)) as? [String: Any], sniff.stdoutText)
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        XCTAssertEqual(connections.count, 1, "\(connections)")
        XCTAssertEqual(connections.first?["server"] as? String, "10.231.0.2:7379")
        XCTAssertEqual(connections.first?["protocol"] as? String, "redis")
        XCTAssertEqual(connections.first?["messages"] as? Int, 2)
    }

    func testSIGINTStopsTheCaptureAndPrintsTheReport() throws {
        let sniff = try startSniff(["--interface", "lo", "--filter", "tcp port 1"])
        let started = Date()
        sniff.signal(SIGINT)
        XCTAssertEqual(sniff.waitForExit(timeout: 5), 0, sniff.stderrText)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertTrue(sniff.stdoutText.contains("live capture on lo"), sniff.stdoutText)
        XCTAssertTrue(sniff.stdoutText.contains("drops: libpcap received"), sniff.stdoutText)
    }

    func testCountStopsAfterThatManyPacketsWithTheCheckReport() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let sniff = try startSniff([
            "--interface", "lo", "--filter", "tcp port \(redis.port)", "--count", "3", "--duration", "10", "--check",
        ])
        let started = Date()
        _ = try ProcessRunner.run("redis-cli", ["-p", "\(redis.port)", "PING"], timeout: 5)
        XCTAssertEqual(sniff.waitForExit(timeout: 10), 0, sniff.stderrText)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "stopped by --count, not --duration")
        XCTAssertTrue(sniff.stdoutText.hasPrefix("live capture on lo: 3 packets; "), sniff.stdoutText)
        XCTAssertTrue(sniff.stdoutText.contains("drops: libpcap received"), sniff.stdoutText)
    }

    func testMissingInterfaceAndBadFilterExitTwoWithOneLine() throws {
        let missing = try ProcessRunner.run(
            InterposeBinary.path, ["sniff", "--interface", "nosuch0", "--duration", "1"], timeout: 10)
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(
            missing.stderrText, "interpose: --interface nosuch0: no such interface; 'ip link' lists them\n")
        let filter = try ProcessRunner.run(
            InterposeBinary.path, ["sniff", "--interface", "lo", "--filter", "tcp port", "--duration", "1"],
            timeout: 10)
        XCTAssertEqual(filter.status, 2)
        XCTAssertEqual(filter.stderrText.split(separator: "\n").count, 1, filter.stderrText)
        XCTAssertTrue(filter.stderrText.hasPrefix("interpose: invalid --filter 'tcp port': "), filter.stderrText)
    }

    func testWithoutCaptureRightsExitTwoNamingTheFix() throws {
        guard let setpriv = ProcessRunner.which("setpriv") else {
            throw XCTSkip("setpriv (util-linux) is not installed")
        }
        let denied = try ProcessRunner.run(
            setpriv,
            [
                "--reuid", "65534", "--regid", "65534", "--clear-groups", "--inh-caps=-all", InterposeBinary.path,
                "sniff", "--interface", "lo", "--duration", "1",
            ], timeout: 10)
        XCTAssertEqual(denied.status, 2, denied.stderrText)
        XCTAssertEqual(
            denied.stderrText,
            "interpose: --interface lo: no permission to capture; run as root or give the binary CAP_NET_RAW (setcap cap_net_raw,cap_net_admin+eip)\n"
        )
    }

    private func checked(_ executable: String, _ arguments: [String]) throws {
        let result = try ProcessRunner.run(executable, arguments, timeout: 10)
        guard result.status == 0 else {
            throw XCTSkip(
                "cannot set up the namespaces: \(executable) \(arguments.joined(separator: " ")): \(result.stderrText)")
        }
    }
}
