import Foundation
import InterposeTestSupport
import XCTest

/// `interpose proxy --tls-intercept` with real clients (curl, openssl s_client) and a real nginx
/// terminating TLS: the plaintext between the two TLS sessions is recorded, dissected and replayed;
/// a client that does not trust the CA and an upstream with an untrusted certificate end as findings,
/// never as plaintext.
final class ProxyTLSInterceptTests: XCTestCase {
    private var work = ""
    private var caDirectory = ""
    private var server: TLSUpstreamServer!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        caDirectory = work + "/ca"
        server = try TLSUpstreamServer()
    }

    override func tearDown() {
        server?.stop()
        try? FileManager.default.removeItem(atPath: work)
    }

    private func startProxy(upstreamPort: UInt16, _ extra: [String]) throws -> InterposeProcess {
        try InterposeProcess(
            upstream: "127.0.0.1:\(upstreamPort)", extra: ["--tls-intercept", "--ca-dir", caDirectory] + extra)
    }

    /// The CA certificate as `interpose ca print` shows it, saved for clients to trust.
    private func trustedCA() throws -> String {
        let result = try ProcessRunner.run(InterposeBinary.path, ["ca", "print", "--ca-dir", caDirectory], timeout: 30)
        XCTAssertEqual(result.status, 0, result.stderrText)
        let path = work + "/interpose-ca.pem"
        try result.stdout.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// curl to `https://api.test:PORT/path` through the proxy; stdout ends with a line holding the
    /// HTTP version curl used.
    private func curl(
        _ port: UInt16, _ path: String, trusting ca: String?, _ extra: [String] = []
    ) throws -> ProcessRunner.Result {
        var arguments = [
            "-sS", "--max-time", "20", "--resolve", "\(TLSUpstreamServer.serverName):\(port):127.0.0.1",
            "-w", "\n%{http_version}",
        ]
        if let ca { arguments += ["--cacert", ca] }
        arguments += extra + ["https://\(TLSUpstreamServer.serverName):\(port)\(path)"]
        return try ProcessRunner.run("curl", arguments, timeout: 30)
    }

    func testCurlOverHTTP1AndHTTP2IsForwardedAndRecordedDecrypted() throws {
        let capture = work + "/decrypted.pcapng"
        let proxy = try startProxy(
            upstreamPort: server.tlsPort, ["--upstream-ca", server.caPath, "--capture", capture, "--check"])
        let ca = try trustedCA()

        let one = try curl(proxy.port, "/one", trusting: ca, ["--http1.1"])
        XCTAssertEqual(one.status, 0, one.stderrText)
        XCTAssertEqual(one.stdoutText, "hello /one over HTTP/1.1\n\n1.1")
        let two = try curl(proxy.port, "/two", trusting: ca, ["--http2"])
        XCTAssertEqual(two.status, 0, two.stderrText)
        XCTAssertEqual(two.stdoutText, "hello /two over HTTP/2.0\n\n2", "ALPN h2 passed through to nginx")
        let big = try curl(proxy.port, "/big", trusting: ca, ["--http1.1"])
        XCTAssertEqual(big.status, 0, big.stderrText)
        XCTAssertEqual(big.stdoutText, String(repeating: "0123456789abcdef", count: 12_500) + "\n1.1")

        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        let log = proxy.background.stderrText
        XCTAssertTrue(log.contains("tls: 3 intercepted, 0 client handshakes failed, 0 upstream handshakes failed"), log)
        XCTAssertTrue(log.contains("checks: 0 errors"), log)

        // Our own reader dissects the plaintext: HTTP/1.1 and HTTP/2 requests, no TLS.
        let analysis = try ProcessRunner.run(InterposeBinary.path, ["analyze", capture], timeout: 60)
        XCTAssertEqual(analysis.status, 0, analysis.stderrText)
        XCTAssertTrue(analysis.stdoutText.contains("GET /one"), analysis.stdoutText)
        XCTAssertTrue(analysis.stdoutText.contains("GET /two"), analysis.stdoutText)
        XCTAssertTrue(analysis.stdoutText.contains("http2"), analysis.stdoutText)
        XCTAssertFalse(analysis.stdoutText.contains(" tls "), analysis.stdoutText)

        // So does tshark: the HTTP/1 request lines and the HTTP/2 :path are in the clear.
        let http1 = try TShark.run(["-r", capture, "-Y", "http.request", "-T", "fields", "-e", "http.request.uri"])
        XCTAssertEqual(http1.split(separator: "\n").sorted(), ["/big", "/one"])
        let http2 = try TShark.run([
            "-r", capture, "-d", "tcp.port==\(proxy.port),http2", "-Y", "http2.headers.path", "-T", "fields", "-e",
            "http2.headers.path",
        ])
        XCTAssertEqual(http2.trimmingCharacters(in: .whitespacesAndNewlines), "/two")
    }

    func testEncryptedCaptureCarriesItsKeysAndTsharkDecryptsBothLegs() throws {
        let encrypted = work + "/encrypted.pcapng"
        let keys = work + "/keys.log"
        let proxy = try startProxy(
            upstreamPort: server.tlsPort,
            ["--upstream-ca", server.caPath, "--capture-encrypted", encrypted, "--keylog", keys])
        let ca = try trustedCA()
        for (index, version) in ["--tlsv1.3", "--tlsv1.2"].enumerated() {
            var extra = ["--http1.1", version]
            if version == "--tlsv1.2" { extra += ["--tls-max", "1.2"] }
            let result = try curl(proxy.port, "/secret-\(index)", trusting: ca, extra)
            XCTAssertEqual(result.status, 0, result.stderrText)
        }
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        XCTAssertTrue(
            proxy.background.stderrText.contains("encrypted capture \(encrypted)"), proxy.background.stderrText)

        let decode = ["-d", "tcp.port==\(proxy.port),tls", "-d", "tcp.port==\(server.tlsPort),tls"]
        func requests(_ file: String, _ extra: [String] = []) throws -> [String] {
            try TShark.run(
                ["-r", file] + decode + extra + ["-Y", "http.request", "-T", "fields", "-e", "http.request.uri"]
            )
            .split(separator: "\n").map(String.init).sorted()
        }
        // Each request crossed two TLS sessions: the client's and the proxy's own to nginx.
        XCTAssertEqual(try requests(encrypted), ["/secret-0", "/secret-0", "/secret-1", "/secret-1"])
        let plaintext = try String(contentsOfFile: encrypted, encoding: .isoLatin1)
        XCTAssertFalse(plaintext.contains("GET /secret"), "the records themselves are encrypted")

        // Without its key blocks the file does not decrypt; with the --keylog file it does again.
        let stripped = work + "/stripped.pcapng"
        let editcap = try ProcessRunner.run("editcap", ["--discard-all-secrets", encrypted, stripped], timeout: 60)
        XCTAssertEqual(editcap.status, 0, editcap.stderrText)
        XCTAssertEqual(try requests(stripped), [])
        XCTAssertEqual(try requests(stripped, ["-o", "tls.keylog_file:\(keys)"]).count, 4)
        let attributes = try FileManager.default.attributesOfItem(atPath: keys)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
    }

    func testOpensslClientVerifiesTheMintedCertificateByNameAndByAddress() throws {
        let proxy = try startProxy(upstreamPort: server.tlsPort, ["--upstream-ca", server.caPath])
        let ca = try trustedCA()
        let request = Data("GET /s HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n".utf8)
        let byName = try ProcessRunner.run(
            "openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(proxy.port)", "-servername", "api.test", "-CAfile", ca,
                "-verify_return_error", "-verify_hostname", "api.test", "-alpn", "http/1.1", "-ign_eof",
            ], stdin: request, timeout: 30)
        XCTAssertTrue(byName.stdoutText.contains("Verify return code: 0 (ok)"), byName.stdoutText + byName.stderrText)
        XCTAssertTrue(byName.stdoutText.contains("ALPN protocol: http/1.1"), byName.stdoutText)
        XCTAssertTrue(byName.stdoutText.contains("hello /s over HTTP/1.1"), byName.stdoutText)
        XCTAssertTrue(byName.stdoutText.contains("Interpose interception CA"), "issued by our CA: \(byName.stdoutText)")

        // Without SNI the certificate is for the upstream's address, with an IP address entry.
        let byAddress = try ProcessRunner.run(
            "openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(proxy.port)", "-noservername", "-CAfile", ca,
                "-verify_return_error", "-verify_ip", "127.0.0.1", "-ign_eof",
            ], stdin: request, timeout: 30)
        XCTAssertTrue(
            byAddress.stdoutText.contains("Verify return code: 0 (ok)"), byAddress.stdoutText + byAddress.stderrText)
        XCTAssertTrue(byAddress.stdoutText.contains("hello /s over HTTP/1.1"), byAddress.stdoutText)

        // An address sent as SNI (wrk does; RFC 6066 forbids it) is taken as no SNI, not refused.
        let addressAsName = try ProcessRunner.run(
            "openssl",
            [
                "s_client", "-connect", "127.0.0.1:\(proxy.port)", "-servername", "127.0.0.1", "-CAfile", ca,
                "-verify_return_error", "-verify_ip", "127.0.0.1", "-ign_eof",
            ], stdin: request, timeout: 30)
        XCTAssertTrue(
            addressAsName.stdoutText.contains("Verify return code: 0 (ok)"),
            addressAsName.stdoutText + addressAsName.stderrText)
        XCTAssertTrue(addressAsName.stdoutText.contains("hello /s over HTTP/1.1"), addressAsName.stdoutText)
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
    }

    func testClientThatDoesNotTrustTheCAFailsCleanlyAndIsReportedAsAFinding() throws {
        let capture = work + "/refused.pcapng"
        let proxy = try startProxy(
            upstreamPort: server.tlsPort, ["--upstream-ca", server.caPath, "--capture", capture])
        let tls13 = try curl(proxy.port, "/nope", trusting: nil)
        XCTAssertEqual(tls13.status, 60, "curl refuses the certificate: \(tls13.stderrText)")
        let tls12 = try curl(proxy.port, "/nope", trusting: nil, ["--tls-max", "1.2"])
        XCTAssertEqual(tls12.status, 60, tls12.stderrText)
        // The proxy goes on serving clients that do trust it.
        let good = try curl(proxy.port, "/yes", trusting: try trustedCA(), ["--http1.1"])
        XCTAssertEqual(good.stdoutText, "hello /yes over HTTP/1.1\n\n1.1", good.stderrText)

        XCTAssertEqual(proxy.terminate(), 1, "failed handshakes make the exit status 1: \(proxy.background.stderrText)")
        let log = proxy.background.stderrText
        let findings = log.split(separator: "\n").filter {
            $0.contains("finding error tls.client-refused-interception")
        }
        XCTAssertEqual(findings.count, 2, log)
        XCTAssertTrue(findings.contains { $0.contains("alert unknown_ca") }, "TLS 1.2 names the alert: \(log)")
        XCTAssertTrue(log.contains("tls: 1 intercepted, 2 client handshakes failed"), log)
        // The findings are in the capture too, as comments.
        let comments = try TShark.run(["-r", capture, "-Y", "frame.comment", "-T", "fields", "-e", "frame.comment"])
        XCTAssertEqual(comments.components(separatedBy: "tls.client-refused-interception").count - 1, 2, comments)
    }

    func testUpstreamWithAnUntrustedCertificateIsRefusedNotDowngraded() throws {
        let capture = work + "/untrusted.pcapng"
        let proxy = try startProxy(
            upstreamPort: server.untrustedPort, ["--upstream-ca", server.caPath, "--capture", capture])
        let ca = try trustedCA()
        let refused = try curl(proxy.port, "/secret", trusting: ca, ["--http1.1"])
        XCTAssertNotEqual(refused.status, 0, "the client gets no answer: \(refused.stdoutText)")
        XCTAssertFalse(refused.stdoutText.contains("hello"), refused.stdoutText)
        XCTAssertEqual(proxy.terminate(), 1, proxy.background.stderrText)
        let log = proxy.background.stderrText
        XCTAssertTrue(log.contains("finding error tls.upstream-handshake-failed"), log)
        XCTAssertTrue(log.contains("[CERTIFICATE_VERIFY_FAILED]"), log)
        XCTAssertTrue(log.contains("checked against --upstream-ca \(server.caPath)"), log)
        XCTAssertTrue(log.contains("forwarded 0 B client->server, 0 B server->client"), "nothing sent in clear: \(log)")

        // With --insecure-upstream, and only then, the same upstream is used.
        let insecure = try startProxy(upstreamPort: server.untrustedPort, ["--insecure-upstream"])
        let answer = try curl(insecure.port, "/anyway", trusting: ca, ["--http1.1"])
        XCTAssertEqual(answer.stdoutText, "hello /anyway over HTTP/1.1\n\n1.1", answer.stderrText)
        XCTAssertEqual(insecure.terminate(), 0, insecure.background.stderrText)
    }

    func testUpstreamThatNeverFinishesItsHandshakeTimesOutAsAFinding() throws {
        // Accepts, reads, never answers.
        let silent = try ScriptedServer(
            python: """
                import socket, sys, time
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); held = []
                while True:
                    c, _ = s.accept(); held.append(c)
                """)
        defer { silent.stop() }
        let proxy = try startProxy(upstreamPort: silent.port, ["--connect-timeout", "0.5"])
        let started = Date()
        let result = try curl(proxy.port, "/", trusting: try trustedCA())
        XCTAssertNotEqual(result.status, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "reset after the timeout, not left hanging")
        XCTAssertEqual(proxy.terminate(), 1, proxy.background.stderrText)
        let log = proxy.background.stderrText
        XCTAssertTrue(log.contains("finding error tls.upstream-handshake-failed"), log)
        XCTAssertTrue(log.contains("the handshake did not finish within 500 ms"), log)
    }

    func testPlaintextClientOnAnInterceptingListenerIsRefusedWithAFinding() throws {
        let proxy = try startProxy(upstreamPort: server.tlsPort, ["--upstream-ca", server.caPath])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        try socket.send("GET / HTTP/1.1\r\nHost: api.test\r\n\r\n")
        let answer = (try? socket.receiveUntilEOF()) ?? []
        socket.close()
        XCTAssertEqual(answer, [], "no answer, and nothing forwarded")
        XCTAssertEqual(proxy.terminate(), 1, proxy.background.stderrText)
        XCTAssertTrue(
            proxy.background.stderrText.contains("finding error tls.client-not-tls"), proxy.background.stderrText)
        XCTAssertTrue(proxy.background.stderrText.contains("the client sent plaintext (\"GET / HT...\")"))
    }

    func testDecryptedCaptureReplaysAgainstThePlainPortWithoutDifferences() throws {
        let capture = work + "/replayable.pcapng"
        let proxy = try startProxy(
            upstreamPort: server.tlsPort, ["--upstream-ca", server.caPath, "--capture", capture])
        let ca = try trustedCA()
        for path in ["/a", "/b", "/c"] {
            let result = try curl(proxy.port, path, trusting: ca, ["--http1.1"])
            XCTAssertEqual(result.status, 0, result.stderrText)
        }
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        let replay = try ProcessRunner.run(
            InterposeBinary.path,
            [
                "replay", capture, "--target", "127.0.0.1:\(server.plainPort)", "--speed", "max", "--json",
                // nginx's Date has one-second resolution: the replay may fall in the next second.
                "--ignore", "header:Date",
            ], timeout: 60)
        XCTAssertEqual(replay.status, 0, replay.stdoutText + replay.stderrText)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: replay.stdout) as? [String: Any])
        let compared = try XCTUnwrap(document["messages_compared"] as? Int)
        XCTAssertGreaterThanOrEqual(compared, 3, "\(document)")
        XCTAssertEqual(document["same"] as? Int, compared, "\(document)")
        XCTAssertEqual(document["differs"] as? Int, 0)
        XCTAssertEqual(document["conversations"] as? Int, 3)
    }

    func testDecryptedCaptureReplaysOverTLSWithHTTP2AsRecorded() throws {
        let capture = work + "/replayable-tls.pcapng"
        let proxy = try startProxy(
            upstreamPort: server.tlsPort, ["--upstream-ca", server.caPath, "--capture", capture])
        let ca = try trustedCA()
        for (path, version) in [("/h1", "--http1.1"), ("/h2", "--http2")] {
            let result = try curl(proxy.port, path, trusting: ca, [version])
            XCTAssertEqual(result.status, 0, result.stderrText)
        }
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        let replayCapture = work + "/replayed.pcapng"
        let replay = try ProcessRunner.run(
            InterposeBinary.path,
            [
                "replay", capture, "--target", "127.0.0.1:\(server.tlsPort)", "--tls", "--target-ca", server.caPath,
                "--tls-server-name", TLSUpstreamServer.serverName, "--speed", "max", "--json", "--capture",
                replayCapture,
                "--ignore", "header:Date",
            ], timeout: 60)
        XCTAssertEqual(replay.status, 0, replay.stdoutText + replay.stderrText)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: replay.stdout) as? [String: Any])
        XCTAssertEqual(document["conversations"] as? Int, 2)
        XCTAssertEqual(document["differs"] as? Int, 0, "\(document)")
        XCTAssertEqual(document["stopped_early"] as? Int, 0, "\(document)")
        // The replay spoke HTTP/2 again (by ALPN), and its plaintext is in its own capture.
        let analysis = try ProcessRunner.run(InterposeBinary.path, ["analyze", replayCapture], timeout: 60)
        XCTAssertTrue(analysis.stdoutText.contains("GET /h2"), analysis.stdoutText)
        XCTAssertTrue(analysis.stdoutText.contains("http2"), analysis.stdoutText)

        // A target whose certificate is not trusted: each conversation stops with the reason.
        let untrusted = try ProcessRunner.run(
            InterposeBinary.path,
            [
                "replay", capture, "--target", "127.0.0.1:\(server.untrustedPort)", "--tls", "--target-ca",
                server.caPath,
                "--speed", "max",
            ], timeout: 60)
        XCTAssertEqual(untrusted.status, 1, untrusted.stdoutText + untrusted.stderrText)
        XCTAssertTrue(
            untrusted.stdoutText.contains("the TLS handshake with the target failed"), untrusted.stdoutText)

        let badFlag = try ProcessRunner.run(
            InterposeBinary.path, ["replay", capture, "--target", "127.0.0.1:1", "--target-ca", server.caPath],
            timeout: 30)
        XCTAssertEqual(badFlag.status, 2)
        XCTAssertEqual(
            badFlag.stderrText, "interpose: --tls-server-name, --target-ca and --insecure-target need --tls\n")
    }

    func testCAPrintKeepsTheKeyOwnerOnlyAndPrintsTheSameCertificateEachTime() throws {
        let first = try ProcessRunner.run(InterposeBinary.path, ["ca", "print", "--ca-dir", caDirectory], timeout: 30)
        XCTAssertEqual(first.status, 0, first.stderrText)
        XCTAssertTrue(first.stderrText.contains("created CA"), first.stderrText)
        let attributes = try FileManager.default.attributesOfItem(atPath: caDirectory + "/interpose-ca-key.pem")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let directory = try FileManager.default.attributesOfItem(atPath: caDirectory)
        XCTAssertEqual((directory[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        let again = try ProcessRunner.run(InterposeBinary.path, ["ca", "print", "--ca-dir", caDirectory], timeout: 30)
        XCTAssertEqual(again.stdout, first.stdout)
        let parsed = try ProcessRunner.run(
            "openssl", ["x509", "-noout", "-subject", "-ext", "basicConstraints,keyUsage"], stdin: first.stdout,
            timeout: 30)
        XCTAssertEqual(parsed.status, 0, parsed.stderrText)
        XCTAssertTrue(parsed.stdoutText.contains("CA:TRUE"), parsed.stdoutText)
        XCTAssertTrue(parsed.stdoutText.contains("Certificate Sign"), parsed.stdoutText)
    }

    func testBadTLSSetupGivesOneLineAndExitStatus2() throws {
        func proxyLine(_ extra: [String]) throws -> (Int32, String) {
            let result = try ProcessRunner.run(
                InterposeBinary.path,
                ["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:\(server.tlsPort)"] + extra, timeout: 30)
            return (result.status, result.stderrText)
        }
        _ = try trustedCA()  // creates the CA
        chmod(caDirectory + "/interpose-ca-key.pem", 0o644)
        var (status, text) = try proxyLine(["--tls-intercept", "--ca-dir", caDirectory])
        XCTAssertEqual(status, 2, text)
        XCTAssertEqual(text.split(separator: "\n").count, 1, text)
        XCTAssertTrue(text.contains("mode 0644") && text.contains("chmod 600"), text)

        chmod(caDirectory + "/interpose-ca-key.pem", 0o600)
        chmod(caDirectory, 0o777)
        (status, text) = try proxyLine(["--tls-intercept", "--ca-dir", caDirectory])
        XCTAssertEqual(status, 2, text)
        XCTAssertTrue(text.contains("chmod 700"), text)
        chmod(caDirectory, 0o700)

        (status, text) = try proxyLine([
            "--tls-intercept", "--ca-dir", caDirectory, "--upstream-ca", work + "/missing.pem",
        ])
        XCTAssertEqual(status, 2, text)
        XCTAssertTrue(text.hasPrefix("interpose: --upstream-ca \(work)/missing.pem"), text)

        (status, text) = try proxyLine(["--keylog", work + "/keys.log"])
        XCTAssertEqual(status, 2, text)
        XCTAssertEqual(text, "interpose: --keylog needs --tls-intercept\n")

        try FileManager.default.removeItem(atPath: caDirectory + "/interpose-ca-key.pem")
        (status, text) = try proxyLine(["--tls-intercept", "--ca-dir", caDirectory])
        XCTAssertEqual(status, 2, text)
        XCTAssertTrue(text.contains("interpose-ca-key.pem does not;"), text)
    }
}
