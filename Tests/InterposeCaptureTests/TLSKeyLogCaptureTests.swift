import Foundation
import InterposeCapture
import InterposeCore
import InterposeTestSupport
import NIOCore
import XCTest

/// TLS key logs become pcapng Decryption Secrets Blocks: well-formed, in record order, never dropped
/// for a full queue, and written once, in the file their record falls in.
final class TLSKeyLogCaptureTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A key-log line of the shape NSS writes, with `byte` repeated as its hex digits.
    private func clientRandomLine(_ byte: UInt8) -> String {
        let hex = String(format: "%02x", byte)
        return "CLIENT_RANDOM \(String(repeating: hex, count: 32)) \(String(repeating: hex, count: 48))\n"
    }

    func testKeyLogIsWrittenAsWellFormedDecryptionSecretsBlockForEveryPadding() throws {
        // Secrets of 178, 179, 180 and 181 bytes: every remainder modulo 4.
        let texts = (0..<4).map { extra in
            clientRandomLine(UInt8(extra)) + String(repeating: "#", count: extra + 1) + "\n"
        }
        XCTAssertEqual(Set(texts.map { $0.utf8.count % 4 }), [0, 1, 2, 3])
        var script = CaptureScript()
        script.connect(1, client: "127.0.0.1:50001", listener: "127.0.0.1:47000")
        for text in texts { script.keyLog(1, text) }
        script.send(1, .clientToServer, count: 10)
        script.close(1, .reset(by: .clientToServer))
        let path = directory + "/secrets.pcapng"
        _ = try script.write(to: .init(path: path))

        let file = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        func word(_ offset: Int) -> UInt32 {
            UInt32(file[offset]) | UInt32(file[offset + 1]) << 8 | UInt32(file[offset + 2]) << 16
                | UInt32(file[offset + 3]) << 24
        }
        let secrets = try PcapngBlockReader.readAll(path: path).filter { $0.kind == .decryptionSecrets }
        XCTAssertEqual(secrets.map(\.tlsKeyLog), texts)
        for (block, text) in zip(secrets, texts) {
            let length = text.utf8.count
            let padded = (length + 3) & ~3
            XCTAssertEqual(block.type, 0x0000_000A)
            XCTAssertEqual(block.secretsType, 0x544C_534B)
            XCTAssertEqual(block.options, [])
            XCTAssertEqual(word(block.offset + 4), UInt32(20 + padded), "block length, text of \(length) bytes")
            XCTAssertEqual(word(block.offset + 8), 0x544C_534B)
            XCTAssertEqual(word(block.offset + 12), UInt32(length), "secrets length")
            XCTAssertEqual(
                Array(file[(block.offset + 16 + length)..<(block.offset + 16 + padded)]),
                Array(repeating: 0, count: padded - length), "zero padding")
            XCTAssertEqual(word(block.offset + 16 + padded), UInt32(20 + padded), "trailing length")
        }
        // tshark reads the file and sees every packet, none malformed.
        XCTAssertEqual(try TShark.fields(file: path, filter: "_ws.malformed", fields: ["frame.number"]), [])
        XCTAssertEqual(try TShark.fields(file: path, fields: ["frame.number"]).count, 5)
    }

    func testKeyLogTakesItsPlaceInRecordOrder() throws {
        var script = CaptureScript()
        script.connect(1, client: "127.0.0.1:50001", listener: "127.0.0.1:47000")
        script.send(1, .clientToServer, Array("before".utf8))
        // A last line without its newline gets one, so that lines repeated together stay apart.
        script.keyLog(1, String(clientRandomLine(1).dropLast()))
        script.send(1, .serverToClient, Array("after".utf8))
        script.close(1, .reset(by: .serverToClient))
        let path = directory + "/order.pcapng"
        _ = try script.write(to: .init(path: path))

        let blocks = try PcapngBlockReader.readAll(path: path)
        let kinds = blocks.map(\.kind)
        let secretsIndex = try XCTUnwrap(kinds.firstIndex(of: .decryptionSecrets))
        XCTAssertEqual(kinds.filter { $0 == .decryptionSecrets }.count, 1)
        // Handshake (3 packets) and "before" come first; "after" and the reset follow.
        XCTAssertEqual(kinds[..<secretsIndex].filter { $0 == .enhancedPacket }.count, 4)
        XCTAssertTrue(blocks[secretsIndex - 1].packetData.suffix(6).elementsEqual("before".utf8))
        XCTAssertTrue(blocks[secretsIndex + 1].packetData.suffix(5).elementsEqual("after".utf8))
        XCTAssertEqual(blocks[secretsIndex].tlsKeyLog, clientRandomLine(1))
    }

    func testKeyLogIsKeptWhenTheQueueIsFullAndDataIsDropped() throws {
        let overflow = try OverflowTestSink(path: directory + "/full.pcapng")
        let (sink, id, clock, configuration) = (overflow.sink, overflow.id, overflow.clock, overflow.configuration)
        // Fill the queue until a small read is refused; the key log offered right then is kept.
        var dropped = 0
        var keysAccepted = false
        var attempts = 0
        while dropped == 0 && attempts < 100 {
            attempts += 1
            overflow.offerBigRead()
            if !overflow.offerSmallRead() {
                dropped += 100
                keysAccepted = sink.submit(.tlsKeyLog(id, ByteBuffer(string: clientRandomLine(7))))
            }
        }
        XCTAssertGreaterThan(dropped, 0, "the queue never overflowed")
        XCTAssertTrue(keysAccepted, "a key log is never refused for a full queue")
        sink.submit(.closed(id, .reset(by: .clientToServer), at: clock.now(), comment: ""))
        let statistics = sink.close()
        XCTAssertEqual(statistics.droppedRecords, dropped / 100, "only data records were dropped")
        let secrets = try PcapngBlockReader.readAll(path: configuration.path).compactMap(\.tlsKeyLog)
        XCTAssertEqual(secrets, [clientRandomLine(7)])
    }

    func testKeyLogStaysInTheFileItFellInWhenFilesRotate() throws {
        // Wireshark uses keys only before the ServerHello in the same file: a connection's later
        // files cannot be decrypted alone, so the keys are not repeated into them.
        let update =
            "SERVER_TRAFFIC_SECRET_1 \(String(repeating: "ab", count: 32)) \(String(repeating: "cd", count: 48))\n"
        var script = CaptureScript()
        script.connect(1, client: "127.0.0.1:50001", listener: "127.0.0.1:47000")
        script.keyLog(1, clientRandomLine(1))
        script.send(1, .serverToClient, count: 600_000, chunk: 64 << 10)
        script.keyLog(1, update)
        script.send(1, .serverToClient, count: 100_000, chunk: 64 << 10)
        script.close(1, .reset(by: .serverToClient))
        var configuration = CaptureSink.Configuration(path: directory + "/rotated.pcapng")
        configuration.rotateSizeBytes = 200_000
        configuration.overflow = .block
        let statistics = try script.write(to: configuration)
        XCTAssertGreaterThanOrEqual(statistics.files.count, 3)

        var secretsPerFile: [[String]] = []
        for file in statistics.files {
            secretsPerFile.append(try PcapngBlockReader.readAll(path: file).compactMap(\.tlsKeyLog))
            XCTAssertEqual(try TShark.fields(file: file, filter: "_ws.malformed", fields: ["frame.number"]), [], file)
        }
        XCTAssertEqual(secretsPerFile.flatMap { $0 }, [clientRandomLine(1), update], "each key once")
        XCTAssertEqual(secretsPerFile.first, [clientRandomLine(1)])
        XCTAssertEqual(secretsPerFile[1], [], "the second file, all of connection 1's data, repeats no key")
    }
}
