import Foundation
import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeTestSupport
import XCTest

/// `openssl s_client` against nginx terminating TLS, captured on loopback and read back through
/// the reader and the TLS dissector, compared with tshark's TLS dissector.
final class TLSLoopbackTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-tls-capture-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    func testOpenSSLHandshakesWithNginxAreReadAsTSharkReadsThem() throws {
        let server = try TLSNginxServer()
        defer { server.stop() }
        let openssl = try ProcessRunner.require("openssl", package: "openssl")
        let path = "\(work)/tls.pcap"
        let capture = try LoopbackCapture(path: path, ports: [server.port, server.expiredPort])
        let runs: [(UInt16, String, String)] = [
            (server.port, "test.local", "-tls1_2"), (server.port, "test.local", "-tls1_3"),
            (server.expiredPort, "old.local", "-tls1_2"),
            // A name the server's certificate does not carry (openssl s_client does not verify by default).
            (server.port, "wrong.local", "-tls1_2"),
        ]
        for (port, name, version) in runs {
            let request = Data("GET / HTTP/1.1\r\nHost: \(name)\r\nConnection: close\r\n\r\n".utf8)
            let result = try ProcessRunner.run(
                openssl, ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", name, version, "-ign_eof"],
                stdin: request, timeout: 30)
            XCTAssertTrue(
                result.stdoutText.contains("hello"), "\(version) \(name): \(result.stdoutText) \(result.stderrText)")
        }
        capture.stop()

        let dissected = try DissectedCapture(path: path)
        let conversations = dissected.conversations
        XCTAssertEqual(conversations.count, 4)
        XCTAssertEqual(Set(dissected.detected.values), [.tls])
        guard conversations.count == 4 else { return }

        // TLS 1.2: the certificate is in plaintext.
        let tls12 = conversations[0].messages
        XCTAssertEqual(tls12.filter { $0.role == .request }.map(\.name), ["ClientHello"])
        XCTAssertEqual(tls12.first?.key, "test.local")
        XCTAssertTrue(tls12.first?.summary.hasPrefix("ClientHello sni=test.local") ?? false, "\(tls12)")
        let hello12 = tls12.first { $0.role == .response }
        XCTAssertEqual(hello12?.version, "TLS 1.2")
        XCTAssertEqual(hello12?.answers, tls12.first?.index)
        let certificate = tls12.first { $0.name == "Certificate" }
        XCTAssertTrue(
            certificate?.summary.hasPrefix("cn=test.local notAfter=") ?? false, "\(String(describing: certificate))")
        XCTAssertEqual(certificate?.key, "test.local")
        XCTAssertEqual(certificate?.fingerprint, fnv1a(server.certificateDER))
        XCTAssertEqual(tls12.filter { $0.name == "ApplicationData" }.count, 2)
        XCTAssertEqual(conversations[0].findings, [])

        // TLS 1.3: everything after the ServerHello is encrypted.
        let tls13 = conversations[1].messages
        let hello13 = tls13.first { $0.role == .response }
        XCTAssertEqual(tls13.first?.version, "TLS 1.3")
        XCTAssertEqual(hello13?.version, "TLS 1.3")
        XCTAssertTrue(hello13?.summary.contains("cipher=0x130") ?? false, "\(String(describing: hello13))")
        XCTAssertEqual(tls13.filter { $0.name == "Certificate" }.count, 0)
        XCTAssertEqual(tls13.filter { $0.name == "ApplicationData" }.count, 2)
        XCTAssertEqual(conversations[1].findings, [])

        // The expired certificate.
        let expired = conversations[2]
        XCTAssertEqual(expired.messages.first { $0.name == "Certificate" }?.summary, "cn=old.local notAfter=2021-01-01")
        XCTAssertEqual(expired.findings.map(\.code), ["tls.certificate-expired"])
        XCTAssertNotEqual(expired.messages.first { $0.name == "Certificate" }?.fingerprint, certificate?.fingerprint)

        // The mismatched name: the certificate names test.local, the client asked for wrong.local.
        XCTAssertEqual(conversations[3].findings.map(\.code), ["tls.certificate-name-mismatch"])

        // tshark sees as many ClientHellos (1) and ServerHellos (2) as we do.
        var theirs: [String: Int] = [:]
        for port in [server.port, server.expiredPort] {
            let output = try TShark.run([
                "-r", path, "-d", "tcp.port==\(port),tls", "-Y", "tcp.port==\(port)", "-T", "fields", "-e",
                "tls.handshake.type",
            ])
            for type in output.split(whereSeparator: { $0 == "\n" || $0 == "," }) {
                theirs[String(type), default: 0] += 1
            }
        }
        let ours = dissected.allMessages
        XCTAssertEqual(theirs["1"], ours.filter { $0.name == "ClientHello" }.count)
        XCTAssertEqual(theirs["2"], ours.filter { $0.name == "ServerHello" }.count)
        XCTAssertEqual(theirs["11"], ours.filter { $0.name == "Certificate" }.count)
    }

    func testAServerThatRefusesTheVersionSendsAnAlertWeReport() throws {
        let server = try TLSNginxServer()
        defer { server.stop() }
        let openssl = try ProcessRunner.require("openssl", package: "openssl")
        let path = "\(work)/refused.pcap"
        let capture = try LoopbackCapture(path: path, ports: [server.port])
        // nginx allows TLS 1.2 and 1.3 only; a client offering TLS 1.1 at most is refused.
        _ = try ProcessRunner.run(
            openssl,
            [
                "s_client", "-connect", "127.0.0.1:\(server.port)", "-servername", "test.local", "-tls1_1", "-cipher",
                "DEFAULT@SECLEVEL=0",
            ],
            stdin: Data(), timeout: 30)
        capture.stop()
        let conversation = try DissectedCapture(path: path).conversations
        XCTAssertEqual(conversation.count, 1)
        let alert = conversation.first?.messages.first { $0.name == "Alert" }
        XCTAssertEqual(alert?.direction, .serverToClient, "\(conversation)")
        XCTAssertEqual(alert?.status?.code, "protocol_version")
        XCTAssertEqual(conversation.first?.findings.map(\.code), ["tls.alert"])
        XCTAssertTrue(
            conversation.first?.findings.first?.message.hasPrefix("server sent fatal alert protocol_version") ?? false)
    }

    func testAHelloRetryRequestIsFollowedByASecondClientHelloThatIsAnswered() throws {
        let server = try TLSNginxServer()
        defer { server.stop() }
        let openssl = try ProcessRunner.require("openssl", package: "openssl")
        let path = "\(work)/retry.pcap"
        let capture = try LoopbackCapture(path: path, ports: [server.retryPort])
        let result = try ProcessRunner.run(
            openssl,
            [
                "s_client", "-connect", "127.0.0.1:\(server.retryPort)", "-servername", "test.local", "-tls1_3",
                "-groups", "X25519:P-256", "-ign_eof",
            ],
            stdin: Data("GET / HTTP/1.1\r\nHost: test.local\r\nConnection: close\r\n\r\n".utf8), timeout: 30)
        XCTAssertTrue(result.stdoutText.contains("hello after a retry"), result.stdoutText + result.stderrText)
        capture.stop()
        let conversations = try DissectedCapture(path: path).conversations
        XCTAssertEqual(conversations.count, 1)
        guard let messages = conversations.first?.messages else { return }
        XCTAssertEqual(
            messages.map(\.name),
            ["ClientHello", "HelloRetryRequest", "ClientHello", "ServerHello", "ApplicationData", "ApplicationData"])
        let requests = messages.filter { $0.role == .request }
        XCTAssertEqual(messages.first { $0.name == "HelloRetryRequest" }?.answers, requests.first?.index)
        XCTAssertEqual(messages.first { $0.role == .response }?.answers, requests.last?.index)
        XCTAssertEqual(messages.first { $0.role == .response }?.version, "TLS 1.3")
        XCTAssertEqual(conversations.first?.findings, [])
    }

    private func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return value
    }
}
