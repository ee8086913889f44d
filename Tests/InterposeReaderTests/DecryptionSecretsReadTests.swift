import Foundation
import InterposeCapture
import InterposeCore
import InterposeTestSupport
import NIOCore
import XCTest

@testable import InterposeReader

/// A pcapng file with Decryption Secrets Blocks (TLS key logs between the packets) reads exactly as
/// the same file without them, through libpcap and through Interpose's own pcapng parser.
final class DecryptionSecretsReadTests: XCTestCase {
    private var path = ""

    override func setUp() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString).pcapng").path
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes one connection whose records are interleaved with key logs (of 46 and 45 bytes, both
    /// padded), and returns the bytes each side sent.
    private func writeConnectionWithKeyLogs() throws -> (toServer: [UInt8], toClient: [UInt8]) {
        let sink = try CaptureSink(configuration: .init(path: path))
        let id = ConnectionID(1)
        var clock = Timestamp(nanosecondsSinceEpoch: 1_700_000_000_000_000_000)
        func now() -> Timestamp {
            clock.nanosecondsSinceEpoch += 1_000
            return clock
        }
        let toServer = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let toClient = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
        sink.submit(
            .clientConnected(
                id, client: Endpoint("10.0.0.1:40000")!, listener: Endpoint("10.0.0.2:443")!, at: now(), comment: ""))
        sink.submit(.tlsKeyLog(id, ByteBuffer(string: "CLIENT_HANDSHAKE_TRAFFIC_SECRET 01 0203040506\n")))
        sink.submit(.data(id, .clientToServer, ByteBuffer(bytes: toServer), at: now()))
        sink.submit(.tlsKeyLog(id, ByteBuffer(string: "SERVER_HANDSHAKE_TRAFFIC_SECRET 01 020304050\n")))
        sink.submit(.data(id, .serverToClient, ByteBuffer(bytes: toClient), at: now()))
        sink.submit(.finish(id, .clientToServer, at: now()))
        sink.submit(.finish(id, .serverToClient, at: now()))
        sink.submit(.closed(id, .graceful, at: now(), comment: ""))
        sink.close()
        let kinds = try PcapngBlockReader.readAll(path: path).map(\.kind)
        XCTAssertEqual(kinds.filter { $0 == .decryptionSecrets }.count, 2)
        return (toServer, toClient)
    }

    func testCaptureReaderReadsFileWithDecryptionSecretsThroughLibpcap() throws {
        let sent = try writeConnectionWithKeyLogs()
        let reader = try CaptureReader(path: path)
        var consumer = RecordingConsumer()
        let statistics = reader.read(into: &consumer)
        XCTAssertEqual(consumer.findings.map(\.code), [])
        XCTAssertFalse(statistics.usedPcapngFallback)
        XCTAssertFalse(statistics.isTruncated)
        XCTAssertEqual(statistics.connections, 1)
        let id = try XCTUnwrap(consumer.opened.first?.id)
        XCTAssertEqual(consumer.bytes(id, .clientToServer), sent.toServer)
        XCTAssertEqual(consumer.bytes(id, .serverToClient), sent.toClient)
        XCTAssertEqual(consumer.summaries.first?.state, .complete)
    }

    func testStreamingPcapngSourceSkipsDecryptionSecrets() throws {
        _ = try writeConnectionWithKeyLogs()
        let packetBlocks = try PcapngBlockReader.readAll(path: path).filter { $0.kind == .enhancedPacket }
        let source = try PcapngStreamPacketSource(path: path)
        var lengths: [Int] = []
        reading: while true {
            switch source.next() {
            case .packet(let packet): lengths.append(packet.bytes.count)
            case .end: break reading
            case .failed(let message, _): return XCTFail(message)
            }
        }
        XCTAssertEqual(lengths, packetBlocks.map(\.packetData.count))
    }
}
