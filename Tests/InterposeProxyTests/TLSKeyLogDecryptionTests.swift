import Foundation
import InterposeCapture
import InterposeCore
import InterposeProxy
import InterposeReader
import InterposeTestSupport
import NIOCore
import XCTest

/// A capture of real TLS with the client's key log in a Decryption Secrets Block is decrypted by
/// tshark from the file alone; the same capture without the block is not.
final class TLSKeyLogDecryptionTests: ProxyTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "interpose-dsb-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try await super.tearDown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// nginx answering HTTPS on a free loopback port with a fresh self-signed certificate.
    private func startTLSServer() throws -> (server: NginxServer, port: UInt16) {
        let openssl = try ProcessRunner.require("openssl", package: "openssl")
        let made = try ProcessRunner.run(
            openssl,
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "tls.key", "-out", "tls.pem", "-days", "2",
                "-subj", "/CN=test.local",
            ], timeout: 60, currentDirectory: directory)
        XCTAssertEqual(made.status, 0, made.stderrText)
        let port = FreePort.next()
        let server = try NginxServer(
            httpDirectives: """
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_certificate \(directory)/tls.pem;
                    ssl_certificate_key \(directory)/tls.key;
                    location / { return 200 "decrypted\\n"; }
                }
                """)
        XCTAssertTrue(BlockingSocket.waitForListener(port: port), "nginx listens for TLS on \(port)")
        return (server, port)
    }

    /// Reads `recorded` and writes its conversations again to `path`, with `keyLog` where `placement` says.
    private func rewrite(
        _ recorded: String, to path: String, keyLog: String?,
        placement: FrameRecordCollector.KeyLogPlacement = .afterConnect
    ) throws {
        let reader = try CaptureReader(path: recorded)
        var collector = FrameRecordCollector(keyLog: keyLog.map { ByteBuffer(string: $0) }, placement: placement)
        let statistics = reader.read(into: &collector)
        XCTAssertEqual(statistics.connections, 1, "one recorded connection")
        var configuration = CaptureSink.Configuration(path: path)
        configuration.overflow = .block
        let sink = try CaptureSink(configuration: configuration)
        for record in collector.records { sink.submit(record) }
        XCTAssertEqual(sink.close().droppedRecords, 0)
    }

    /// The URIs of the HTTP requests tshark finds in `file`, reading `port` as TLS.
    private func requestURIs(_ file: String, tlsPort: Int) throws -> [String] {
        try TShark.run([
            "-r", file, "-d", "tcp.port==\(tlsPort),tls", "-Y", "http.request", "-T", "fields", "-e",
            "http.request.uri",
        ]).split(separator: "\n").map(String.init)
    }

    func testTSharkDecryptsRecordedTLSWithTheKeyLogInTheCaptureFile() async throws {
        let (server, tlsPort) = try startTLSServer()
        defer { server.stop() }
        let recorded = directory + "/recorded.pcapng"
        let (proxy, port, sink) = try await startProxy(upstreamPort: Int(tlsPort), capture: .init(path: recorded))
        let curl = try ProcessRunner.require("curl", package: "curl")
        let keyLogPath = directory + "/keys.log"
        let result = try await blocking {
            try ProcessRunner.run(
                curl, ["-k", "-sS", "--http1.1", "https://127.0.0.1:\(port)/interpose/dsb-check"], timeout: 30,
                environment: ["SSLKEYLOGFILE": keyLogPath])
        }
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stdoutText, "decrypted\n")
        let ended = await waitUntil { proxy.statistics.snapshot.open == 0 }
        XCTAssertTrue(ended, "the proxied connection ended")
        XCTAssertEqual(try XCTUnwrap(sink).close().droppedRecords, 0)
        let keyLog = try String(contentsOfFile: keyLogPath, encoding: .utf8)
        XCTAssertTrue(keyLog.contains("TRAFFIC_SECRET_0 ") || keyLog.contains("CLIENT_RANDOM "), keyLog)

        // What crossed the proxy is ciphertext: no HTTP in the proxy's own capture.
        XCTAssertEqual(try requestURIs(recorded, tlsPort: port), [])

        let withKeys = directory + "/with-keys.pcapng"
        let withoutKeys = directory + "/without-keys.pcapng"
        try rewrite(recorded, to: withKeys, keyLog: keyLog)
        try rewrite(recorded, to: withoutKeys, keyLog: nil)
        XCTAssertEqual(
            try PcapngBlockReader.readAll(path: withKeys).compactMap(\.tlsKeyLog), [keyLog], "one DSB, the key log")
        XCTAssertEqual(try requestURIs(withKeys, tlsPort: port), ["/interpose/dsb-check"])
        XCTAssertEqual(try requestURIs(withoutKeys, tlsPort: port), [])
        // The rule `CaptureRecord.tlsKeyLog` states: keys recorded after the ServerHello come too late.
        let lateKeys = directory + "/late-keys.pcapng"
        try rewrite(recorded, to: lateKeys, keyLog: keyLog, placement: .afterServerHello)
        XCTAssertEqual(try PcapngBlockReader.readAll(path: lateKeys).compactMap(\.tlsKeyLog), [keyLog])
        XCTAssertEqual(try requestURIs(lateKeys, tlsPort: port), [])
        // Both files hold the same TLS records; only the keys differ.
        let records = try TShark.fields(file: withoutKeys, filter: "tls.record", fields: ["frame.number"])
        XCTAssertGreaterThan(records.count, 3)
        XCTAssertEqual(try TShark.fields(file: withKeys, filter: "tls.record", fields: ["frame.number"]), records)
    }
}
