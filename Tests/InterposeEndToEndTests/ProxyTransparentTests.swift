import Foundation
import InterposeTestSupport
import XCTest

/// `interpose proxy --transparent` behind a real iptables REDIRECT rule, in network namespaces the
/// test owns: the client talks to the real server's address, unaware of the proxy.
final class ProxyTransparentTests: XCTestCase {
    private let serverPort = 8080
    private let proxyPort = 7100
    private let mark = 7

    /// A one-line TCP server: answers each line with `real <port>: <line>`.
    private static let serverScript = """
        import socket, sys
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16); print("ready", flush=True)
        while True:
            c, _ = s.accept(); f = c.makefile("rb"); line = f.readline()
            c.sendall(b"real " + sys.argv[2].encode() + b": " + line); f.close(); c.close()
        """

    /// A client: sends one line to HOST PORT and prints the answer, `EOF` or `RESET`.
    private static let clientScript = """
        import socket, sys
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
        try:
            s.sendall(b"hello\\n"); data = s.recv(1000)
            print(data.decode().strip() if data else "EOF")
        except ConnectionResetError:
            print("RESET")
        """

    private func requireTools() throws {
        for tool in ["ip", "iptables", "python3"]
        where ProcessRunner.which(tool) == nil && !FileManager.default.isExecutableFile(atPath: "/usr/sbin/\(tool)") {
            throw XCTSkip("\(tool) is missing: run scripts/setup")
        }
        guard getuid() == 0 else { throw XCTSkip("network namespaces and iptables need root") }
    }

    /// Namespaces, the real server, the REDIRECT rules and the proxy; all removed at teardown.
    private func startTopology(capture: String) throws -> (NamespacePair, BackgroundProcess) {
        let net = try NamespacePair()
        addTeardownBlock { net.remove() }
        let server = try net.start(
            in: net.server, ["python3", "-c", Self.serverScript, net.serverAddress, "\(serverPort)"])
        addTeardownBlock { server.stop(grace: 1) }
        try server.waitForOutput(containing: "ready", timeout: 5)
        // Traffic routed through the host (from the client namespace), and local traffic except the
        // proxy's own marked upstream connections: without the mark exclusion they would loop.
        for rule in [
            [
                "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-d", net.serverAddress, "--dport", "\(serverPort)",
                "-j", "REDIRECT", "--to-ports", "\(proxyPort)",
            ],
            [
                "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", net.serverAddress, "--dport", "\(serverPort)",
                "-m", "mark", "!", "--mark", "\(mark)", "-j", "REDIRECT", "--to-ports", "\(proxyPort)",
            ],
        ] {
            let result = try net.run(in: net.server, ["iptables"] + rule)
            XCTAssertEqual(result.status, 0, "iptables \(rule): \(result.stderrText)")
        }
        let proxy = try net.start(
            in: net.server,
            [
                InterposeBinary.path, "proxy", "--transparent", "--listen", "0.0.0.0:\(proxyPort)", "--mark", "\(mark)",
                "--capture", capture, "--grace", "1",
            ])
        addTeardownBlock { proxy.stop(grace: 2) }
        try proxy.waitForOutput(containing: "listening on", timeout: 10)
        return (net, proxy)
    }

    private func temporaryCapture() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "transparent-\(UUID().uuidString).pcapng"
        ).path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testRedirectedConnectionReachesTheRealServerAndTheCaptureShowsTheRealEndpoints() throws {
        try requireTools()
        let capture = temporaryCapture()
        let (net, proxy) = try startTopology(capture: capture)

        let answer = try net.run(
            in: net.client, ["python3", "-c", Self.clientScript, net.serverAddress, "\(serverPort)"])
        XCTAssertEqual(
            answer.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "real \(serverPort): hello",
            "client output: \(answer.stdoutText) \(answer.stderrText); proxy: \(proxy.stderrText)")
        // A local client in the server namespace goes through the OUTPUT rule; the proxy's marked
        // upstream connection does not, so there is no loop.
        let local = try net.run(
            in: net.server, ["python3", "-c", Self.clientScript, net.serverAddress, "\(serverPort)"])
        XCTAssertEqual(
            local.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "real \(serverPort): hello",
            "local client: \(local.stdoutText) \(local.stderrText); proxy: \(proxy.stderrText)")

        proxy.signal(SIGTERM)
        XCTAssertEqual(proxy.waitForExit(timeout: 10), 0, proxy.stderrText)
        let log = proxy.stderrText
        XCTAssertTrue(log.contains("\(net.clientAddress):"), log)
        XCTAssertTrue(log.contains("original destination \(net.serverAddress):\(serverPort)"), log)
        XCTAssertTrue(log.contains("2 connections: 2 closed cleanly"), "two connections, no loop: \(log)")

        let syns = try TShark.run([
            "-r", capture, "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0",
            "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.dstport",
        ])
        let rows = syns.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertTrue(
            rows.contains([net.clientAddress, net.serverAddress, "\(serverPort)"]),
            "client leg is client -> real server: \(syns)")
        let ports = try TShark.run(["-r", capture, "-T", "fields", "-e", "tcp.port"])
        XCTAssertFalse(ports.contains("\(proxyPort)"), "the proxy's listen port is not in the capture: \(ports)")
    }

    /// An HTTPS server (Python's http.server behind its ssl module): answers `real tls <path>`.
    private static let tlsServerScript = """
        import http.server, ssl, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_GET(self):
                body = ("real tls " + self.path + "\\n").encode()
                self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args): pass
        server = http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); context.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        print("ready", flush=True); server.serve_forever()
        """

    func testRedirectedTLSConnectionIsInterceptedForItsOriginalDestination() throws {
        try requireTools()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("transparent-tls-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: work) }
        func openssl(_ arguments: [String]) throws {
            let result = try ProcessRunner.run("openssl", arguments, timeout: 60, currentDirectory: work)
            XCTAssertEqual(result.status, 0, "openssl \(arguments): \(result.stderrText)")
        }
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "2", "-subj", "/CN=svc test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        ])
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "svc.key", "-out",
            "svc.csr", "-subj", "/CN=svc.test",
        ])
        try "subjectAltName=DNS:svc.test\n".write(toFile: work + "/svc.ext", atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", "svc.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "svc.pem",
            "-days", "2", "-extfile", "svc.ext",
        ])
        let interceptCA = try ProcessRunner.run(InterposeBinary.path, ["ca", "print", "--ca-dir", work + "/ca"])
        try interceptCA.stdout.write(to: URL(fileURLWithPath: work + "/intercept-ca.pem"))

        let net = try NamespacePair()
        addTeardownBlock { net.remove() }
        let tlsPort = 8443
        let server = try net.start(
            in: net.server,
            [
                "python3", "-c", Self.tlsServerScript, net.serverAddress, "\(tlsPort)", work + "/svc.pem",
                work + "/svc.key",
            ])
        addTeardownBlock { server.stop(grace: 1) }
        try server.waitForOutput(containing: "ready", timeout: 5)
        let rule = [
            "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-d", net.serverAddress, "--dport", "\(tlsPort)", "-j",
            "REDIRECT", "--to-ports", "\(proxyPort)",
        ]
        XCTAssertEqual(try net.run(in: net.server, ["iptables"] + rule).status, 0)
        let capture = work + "/decrypted.pcapng"
        let proxy = try net.start(
            in: net.server,
            [
                InterposeBinary.path, "proxy", "--transparent", "--listen", "0.0.0.0:\(proxyPort)", "--tls-intercept",
                "--ca-dir", work + "/ca", "--upstream-ca", work + "/ca.pem", "--capture", capture, "--grace", "1",
            ])
        addTeardownBlock { proxy.stop(grace: 2) }
        try proxy.waitForOutput(containing: "listening on", timeout: 10)

        let answer = try net.run(
            in: net.client,
            [
                "curl", "-sS", "--max-time", "10", "--cacert", work + "/intercept-ca.pem", "--resolve",
                "svc.test:\(tlsPort):\(net.serverAddress)", "https://svc.test:\(tlsPort)/through",
            ])
        XCTAssertEqual(answer.stdoutText, "real tls /through\n", "\(answer.stderrText); proxy: \(proxy.stderrText)")
        proxy.signal(SIGTERM)
        XCTAssertEqual(proxy.waitForExit(timeout: 10), 0, proxy.stderrText)
        XCTAssertTrue(
            proxy.stderrText.contains("original destination \(net.serverAddress):\(tlsPort)"), proxy.stderrText)
        XCTAssertTrue(proxy.stderrText.contains("tls: 1 intercepted"), proxy.stderrText)
        // The capture holds the plaintext between the real endpoints.
        let requests = try TShark.run([
            "-r", capture, "-Y", "http.request", "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "tcp.dstport",
            "-e", "http.request.uri",
        ])
        XCTAssertEqual(
            requests.trimmingCharacters(in: .whitespacesAndNewlines),
            "\(net.clientAddress)\t\(net.serverAddress)\t\(tlsPort)\t/through")
    }

    func testConnectionStraightToTheListenerIsResetAndLoggedNotLooped() throws {
        try requireTools()
        let capture = temporaryCapture()
        let (net, proxy) = try startTopology(capture: capture)

        let started = Date()
        let answer = try net.run(
            in: net.client, ["python3", "-c", Self.clientScript, net.serverAddress, "\(proxyPort)"])
        let said = answer.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(said == "RESET" || said == "EOF", "refused: \(said) \(answer.stderrText)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)

        proxy.signal(SIGTERM)
        XCTAssertEqual(proxy.waitForExit(timeout: 10), 0, proxy.stderrText)
        let log = proxy.stderrText
        let refused = log.split(separator: "\n").filter { $0.contains("refused: not redirected") }
        XCTAssertEqual(refused.count, 1, log)
        XCTAssertTrue(log.contains("1 connections") || log.contains("1 connection"), "one connection, no loop: \(log)")
    }

    func testTransparentWithUpstreamIsAUsageErrorWithExitTwo() throws {
        let result = try ProcessRunner.run(
            InterposeBinary.path,
            ["proxy", "--transparent", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:6379"], timeout: 30)
        XCTAssertEqual(result.status, 2, result.stderrText)
        XCTAssertTrue(
            result.stderrText.contains("--transparent") && result.stderrText.contains("--upstream"),
            result.stderrText)
        XCTAssertEqual(result.stderrText.split(separator: "\n").count, 1, result.stderrText)
    }

    func testMarkWithoutTransparentIsAUsageErrorWithExitTwo() throws {
        let result = try ProcessRunner.run(
            InterposeBinary.path,
            ["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:6379", "--mark", "7"], timeout: 30)
        XCTAssertEqual(result.status, 2, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("--mark"), result.stderrText)
    }

    func testMarkWithoutTheCapabilityStopsAtStartWithExitTwo() throws {
        guard let capsh = ProcessRunner.which("capsh") else { throw XCTSkip("capsh (libcap2-bin) is missing") }
        // SO_MARK is allowed with CAP_NET_ADMIN or (Linux 5.17+) CAP_NET_RAW: drop both.
        let result = try ProcessRunner.run(
            capsh,
            [
                "--drop=cap_net_admin,cap_net_raw", "--", "-c",
                "exec '\(InterposeBinary.path)' proxy --transparent --listen 127.0.0.1:0 --mark 7",
            ], timeout: 30)
        XCTAssertEqual(result.status, 2, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("cannot set --mark 7"), result.stderrText)
        XCTAssertFalse(result.stderrText.contains("listening on"), result.stderrText)
    }
}
