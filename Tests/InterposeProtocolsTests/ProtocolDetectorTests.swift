import InterposeProtocols
import XCTest

final class ProtocolDetectorTests: XCTestCase {
    private let detector = ProtocolDetector()

    private func name(_ client: [UInt8], _ server: [UInt8] = [], port: UInt16 = 9999) -> String {
        detector.detect(client: client, server: server, serverPort: port).name
    }

    func testContentDecidesWhateverThePort() {
        XCTAssertEqual(name(Array("GET / HTTP/1.1".utf8), port: 6379), "http1")
        XCTAssertEqual(name([], Array("HTTP/1.1 200 OK".utf8)), "http1")
        XCTAssertEqual(name(Array("PRI * HTTP/2.0\r\n".utf8), port: 80), "http2")
        XCTAssertEqual(name(Array("*1\r\n$4\r\nPING".utf8), port: 7000), "redis")
        XCTAssertEqual(name([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F], port: 1), "postgres")
        XCTAssertEqual(name([0x16, 0x03, 0x01, 0x02], port: 8443), "tls")
        XCTAssertEqual(name([0x10, 0x12, 0x00, 0x04] + Array("MQTT".utf8) + [0x04]), "mqtt")
        XCTAssertEqual(name(Array("SSH-2.0-OpenSSH".utf8)), "ssh")
        XCTAssertEqual(name([1, 2, 3], [4, 5, 6]), "unknown")
    }

    func testWellKnownPortsDecideWhenContentSaysNothing() {
        XCTAssertEqual(name(Array("PING\r\n".utf8), port: 6379), "redis")
        XCTAssertEqual(name([1, 2, 3], port: 5432), "postgres")
        XCTAssertEqual(name([], [], port: 6379), "unknown")
    }

    func testPortHintsComeFirst() {
        let hinted = ProtocolDetector(portHints: [7000: .redis])
        XCTAssertEqual(
            hinted.detect(client: Array("GET / HTTP/1.1".utf8), server: [], serverPort: 7000).application, .redis)
    }
}
