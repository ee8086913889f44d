import InterposeProtocols
import InterposeReplay
import XCTest

/// MQTT packets and raw bytes decoded into fields and text.
final class MQTTAndRawContentTests: XCTestCase {
    private func fields(_ bytes: [UInt8], _ application: ApplicationProtocol = .mqtt) -> [String] {
        (ContentDecoder.fields(ofResponse: bytes, application: application) ?? []).map { "\($0.path)=\($0.value)" }
    }

    func testConnack() {
        XCTAssertEqual(fields([0x20, 0x02, 0x01, 0x05]), ["type=CONNACK", "session_present=1", "return_code=5"])
        XCTAssertEqual(
            fields([0x20, 0x03, 0x00, 0x87, 0x00]), ["type=CONNACK", "session_present=0", "reason_code=135"])
    }

    func testPublishLeavesOutThePacketIdentifier() {
        // PUBLISH QoS 1, retain: topic "a/b", packet id 0x1234, payload "hi".
        let publish: [UInt8] = [0x33, 0x09, 0x00, 0x03] + Array("a/b".utf8) + [0x12, 0x34] + Array("hi".utf8)
        XCTAssertEqual(fields(publish), ["type=PUBLISH", "topic=a/b", "qos=1", "retain=1", "payload=hi"])
        var other = publish
        other[7] = 0x99
        XCTAssertEqual(fields(other), fields(publish))
        XCTAssertEqual(
            ContentDecoder.text(of: publish, application: .mqtt), "PUBLISH topic=a/b qos=1 retain=1 payload=hi")
    }

    func testTwoPacketsAndSuback() {
        XCTAssertEqual(
            fields([0x90, 0x04, 0x00, 0x01, 0x00, 0x80, 0xD0, 0x00]),
            ["type=SUBACK", "return_code=0,128", "packet[1].type=PINGRESP"])
    }

    func testRawBytes() {
        XCTAssertEqual(fields([0x00, 0x41, 0x0A, 0x5C], .raw), [#"bytes=\x00A\n\\"#])
        let long = [UInt8](repeating: 0x62, count: 5000)
        let value = fields(long, .raw)[0]
        XCTAssertTrue(value.hasPrefix("bytes=" + String(repeating: "b", count: 200) + "… (5000 bytes, fnv1a 0x"), value)
        XCTAssertEqual(ContentDecoder.text(of: [0x00, 0x41], application: .raw), #"\x00A"#)
        XCTAssertEqual(ContentDecoder.text(of: [0x00, 0x41], application: .tls), #"\x00A"#)
    }
}
