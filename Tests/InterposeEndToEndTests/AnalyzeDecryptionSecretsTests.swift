import Foundation
import InterposeCapture
import InterposeCore
import InterposeTestSupport
import NIOCore
import XCTest

/// `interpose analyze` and `check` read a capture with TLS key logs (Decryption Secrets Blocks)
/// exactly as the same capture without them.
final class AnalyzeDecryptionSecretsTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-dsb-cli-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// One HTTP/1.1 exchange, with key-log lines before each side's data when `withKeys`.
    private func writeCapture(_ path: String, withKeys: Bool) throws {
        let sink = try CaptureSink(configuration: .init(path: path))
        let id = ConnectionID(1)
        var clock = Timestamp(nanosecondsSinceEpoch: 1_700_000_000_000_000_000)
        func now() -> Timestamp {
            clock.nanosecondsSinceEpoch += 1_000_000
            return clock
        }
        sink.submit(
            .clientConnected(
                id, client: Endpoint("127.0.0.1:40000")!, listener: Endpoint("127.0.0.1:8080")!, at: now(),
                comment: ""))
        if withKeys {
            sink.submit(.tlsKeyLog(id, ByteBuffer(string: "CLIENT_RANDOM \(String(repeating: "11", count: 32)) 22\n")))
        }
        sink.submit(.data(id, .clientToServer, ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"), at: now()))
        if withKeys {
            sink.submit(.tlsKeyLog(id, ByteBuffer(string: "SERVER_TRAFFIC_SECRET_0 33 444\n")))
        }
        sink.submit(
            .data(id, .serverToClient, ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), at: now()))
        sink.submit(.finish(id, .clientToServer, at: now()))
        sink.submit(.finish(id, .serverToClient, at: now()))
        sink.submit(.closed(id, .graceful, at: now(), comment: ""))
        sink.close()
    }

    private func analyzeJSON(_ path: String) throws -> NSDictionary {
        let result = try ProcessRunner.run(InterposeBinary.path, ["analyze", "--json", path], timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertEqual(result.stderrText, "")
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? NSDictionary)
    }

    func testAnalyzeAndCheckReadCaptureWithDecryptionSecretsLikeOneWithout() throws {
        let withKeys = work + "/with-keys.pcapng"
        let withoutKeys = work + "/without-keys.pcapng"
        try writeCapture(withKeys, withKeys: true)
        try writeCapture(withoutKeys, withKeys: false)
        XCTAssertEqual(try PcapngBlockReader.readAll(path: withKeys).compactMap(\.tlsKeyLog).count, 2)

        let document = try analyzeJSON(withKeys)
        let connections = try XCTUnwrap(document["connections"] as? [[String: Any]])
        XCTAssertEqual(connections.count, 1)
        XCTAssertEqual(connections.first?["state"] as? String, "complete")
        XCTAssertEqual(connections.first?["protocol"] as? String, "http1")
        XCTAssertEqual(connections.first?["messages"] as? Int, 2)
        XCTAssertEqual(document["connections"] as? NSArray, try analyzeJSON(withoutKeys)["connections"] as? NSArray)
        XCTAssertEqual((document["findings"] as? [Any])?.count, 0)

        let check = try ProcessRunner.run(InterposeBinary.path, ["check", withKeys], timeout: 60)
        XCTAssertEqual(check.status, 0, check.stdoutText + check.stderrText)
        XCTAssertTrue(check.stdoutText.contains("No findings."), check.stdoutText)
    }
}
