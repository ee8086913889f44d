import Foundation
import InterposeProtocols
import InterposeTestSupport
import NIOCore
import XCTest

/// `TLSClientHelloPeek` on the ClientHello a real curl sends, whole, cut anywhere and split over
/// records, and on things that are not TLS.
final class TLSClientHelloPeekTests: XCTestCase {
    /// curl closed before its ClientHello was complete.
    private struct HelloIncomplete: Error {
        var bytes: Int
    }

    /// The first bytes curl sends to `peek.test` offering h2 and http/1.1.
    private func curlClientHello() throws -> [UInt8] {
        let listener = try BlockingSocket.listen()
        defer { listener.close() }
        let port = listener.localPort
        let curl = try BackgroundProcess(
            try ProcessRunner.require("curl", package: "curl"),
            [
                "-sk", "--http2", "--max-time", "5", "--resolve", "peek.test:\(port):127.0.0.1",
                "https://peek.test:\(port)/",
            ])
        defer { curl.stop() }
        let connection = try listener.accept()
        defer { connection.close() }
        connection.setTimeout(5)
        var bytes: [UInt8] = []
        while true {
            let chunk = try connection.receive()
            // At EOF the hello can never complete: fail rather than read an empty socket forever.
            guard !chunk.isEmpty else {
                throw HelloIncomplete(bytes: bytes.count)
            }
            bytes += chunk
            if case .complete = TLSClientHelloPeek.inspect(ByteBuffer(bytes: bytes)) { return bytes }
        }
    }

    func testCurlClientHelloGivesItsServerNameAndALPNOffer() throws {
        let hello = try curlClientHello()
        guard case .complete(let parsed) = TLSClientHelloPeek.inspect(ByteBuffer(bytes: hello)) else {
            return XCTFail("not complete")
        }
        XCTAssertEqual(parsed.serverName, "peek.test")
        XCTAssertEqual(parsed.protocols, ["h2", "http/1.1"])
        XCTAssertTrue(parsed.versions.contains(0x0304), "curl offers TLS 1.3: \(parsed.versions)")
    }

    func testEveryPrefixOfTheHelloIsIncomplete() throws {
        let hello = try curlClientHello()
        for length in 1..<hello.count {
            XCTAssertEqual(
                TLSClientHelloPeek.inspect(ByteBuffer(bytes: hello[0..<length])), .incomplete, "cut at \(length)")
        }
    }

    func testHelloSplitOverTwoRecordsIsJoined() throws {
        let hello = try curlClientHello()
        let body = Array(hello[5...])
        let cut = body.count / 2
        var split: [UInt8] = []
        for part in [body[0..<cut], body[cut...]] {
            split += [22, 3, 1, UInt8(part.count >> 8), UInt8(part.count & 0xFF)] + part
        }
        XCTAssertEqual(
            TLSClientHelloPeek.inspect(ByteBuffer(bytes: split)), TLSClientHelloPeek.inspect(ByteBuffer(bytes: hello)))
        if case .complete = TLSClientHelloPeek.inspect(ByteBuffer(bytes: split)) {} else { XCTFail("not complete") }
    }

    func testPlaintextAndOtherRecordsAreNotTLS() {
        XCTAssertEqual(
            TLSClientHelloPeek.inspect(ByteBuffer(string: "GET / HTTP/1.1\r\n")),
            .notTLS(reason: "the client sent plaintext (\"GET / HT...\"), not a TLS ClientHello"))
        XCTAssertEqual(
            TLSClientHelloPeek.inspect(ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x2F])),
            .notTLS(reason: "the client's first bytes (00 00 00 08 04 d2 16 2f) are not a TLS handshake record"))
        // A handshake record holding a ServerHello is not a client's first message.
        let serverHello: [UInt8] = [22, 3, 3, 0, 4, 2, 0, 0, 0]
        if case .notTLS(let reason) = TLSClientHelloPeek.inspect(ByteBuffer(bytes: serverHello)) {
            XCTAssertTrue(reason.contains("not a ClientHello"), reason)
        } else {
            XCTFail("a ServerHello is not a ClientHello")
        }
        // A declared hello longer than the limit is refused rather than buffered without end.
        let huge: [UInt8] = [22, 3, 1, 0x40, 0x00, 1, 0x10, 0x00, 0x00] + [UInt8](repeating: 0, count: 0x4000 - 4)
        if case .notTLS(let reason) = TLSClientHelloPeek.inspect(ByteBuffer(bytes: huge)) {
            XCTAssertTrue(reason.contains("over the 65536-byte limit"), reason)
        } else {
            XCTFail("over the limit")
        }
    }
}
