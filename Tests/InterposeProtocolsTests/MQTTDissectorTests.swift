import Foundation
import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeTestSupport
import XCTest

final class MQTTDissectorTests: XCTestCase {
    private typealias M = MQTTBytes

    func testA311SessionPairsEveryPacketWhateverTheReadSizes() {
        for chunk in [1, 2, 5, 100, Int.max] {
            var h = DissectorHarness(MQTTDissector())
            h.send(.clientToServer, M.connect(client: "sensor-1"), chunk: chunk)
            h.send(.serverToClient, M.connack(0), chunk: chunk)
            h.send(.clientToServer, M.subscribe(["cmd/#"], id: 1), chunk: chunk)
            h.send(.serverToClient, M.suback(id: 1, [1]), chunk: chunk)
            h.send(.clientToServer, M.publish("sensors/temp", qos: 0, payload: Array("21.5".utf8)), chunk: chunk)
            h.send(.clientToServer, M.publish("sensors/temp", qos: 1, id: 2, payload: Array("22".utf8)), chunk: chunk)
            h.send(.clientToServer, M.publish("sensors/hum", qos: 2, id: 3, payload: Array("40".utf8)), chunk: chunk)
            h.send(.serverToClient, M.ack(4, id: 2) + M.ack(5, id: 3), chunk: chunk)
            h.send(.clientToServer, M.ack(6, id: 3), chunk: chunk)
            h.send(.serverToClient, M.ack(7, id: 3), chunk: chunk)
            // A delivery to the subscriber and its acknowledgement are events.
            h.send(.serverToClient, M.publish("cmd/reboot", qos: 1, id: 9, payload: [1]), chunk: chunk)
            h.send(.clientToServer, M.ack(4, id: 9), chunk: chunk)
            h.send(.clientToServer, M.packet(12, []), chunk: chunk)
            h.send(.serverToClient, M.packet(13, []), chunk: chunk)
            h.send(.clientToServer, M.packet(10, flags: 2, TLSBytes.u16(4) + M.string("cmd/#")), chunk: chunk)
            h.send(.serverToClient, M.packet(11, TLSBytes.u16(4)), chunk: chunk)
            h.send(.clientToServer, M.packet(14, []), chunk: chunk)
            h.end()
            XCTAssertEqual(
                h.requests.map(\.key),
                [
                    "CONNECT", "SUBSCRIBE cmd/#", "PUBLISH sensors/temp", "PUBLISH sensors/temp", "PUBLISH sensors/hum",
                    "PUBREL", "PINGREQ", "UNSUBSCRIBE cmd/#", "DISCONNECT",
                ], "chunk \(chunk)")
            XCTAssertEqual(h.requests.map(\.expectsResponse), [true, true, false, true, true, true, true, true, false])
            XCTAssertEqual(h.requests[0].summary, "CONNECT MQTT 3.1.1 client=sensor-1 keepalive=60 clean")
            XCTAssertEqual(h.requests[0].version, "3.1.1")
            XCTAssertEqual(h.requests[3].summary, "PUBLISH sensors/temp qos=1 id=2 (2 bytes)")
            XCTAssertEqual(
                h.responses.map(\.name), ["CONNACK", "SUBACK", "PUBACK", "PUBREC", "PUBCOMP", "PINGRESP", "UNSUBACK"])
            let answered = h.requests.filter(\.expectsResponse).map(\.index)
            XCTAssertEqual(h.responses.compactMap(\.answers).sorted(), answered)
            XCTAssertEqual(
                h.responses.map(\.key),
                [
                    "CONNECT", "SUBSCRIBE cmd/#", "PUBLISH sensors/temp", "PUBLISH sensors/hum", "PUBREL", "PINGREQ",
                    "UNSUBSCRIBE cmd/#",
                ])
            XCTAssertTrue(h.responses.allSatisfy { $0.status?.outcome == .success })
            XCTAssertEqual(h.events.map(\.summary), ["PUBLISH cmd/reboot qos=1 id=9 (1 bytes)", "PUBACK id=9"])
            XCTAssertEqual(h.output.findings, [], "chunk \(chunk)")
        }
    }

    func testConnectRefusalsAreClassified() {
        let cases: [(UInt8, MessageStatus)] = [
            (4, MessageStatus(.authenticationFailure, code: "bad_username_or_password")),
            (5, MessageStatus(.authenticationFailure, code: "not_authorized")),
            (3, MessageStatus(.serverError, code: "server_unavailable")),
            (2, MessageStatus(.clientError, code: "identifier_rejected")),
        ]
        for (code, status) in cases {
            var h = DissectorHarness(MQTTDissector())
            h.send(.clientToServer, M.connect(client: "c"))
            h.send(.serverToClient, M.connack(code))
            h.end()
            XCTAssertEqual(h.responses.first?.status, status)
            XCTAssertEqual(h.responses.first?.answers, 0)
        }
    }

    func testMQTT5PropertiesAreSkippedAndReasonCodesRead() {
        var h = DissectorHarness(MQTTDissector())
        h.send(.clientToServer, M.connect(client: "five", level: 5, properties: [0x11, 0, 0, 0, 30, 0x21, 0, 10]))
        h.send(.serverToClient, M.connack(0, v5: true))
        h.send(.clientToServer, M.publish("a/b", qos: 1, id: 1, payload: [1, 2, 3], v5: true))
        h.send(.serverToClient, M.ack(4, id: 1, reason: 0x87))
        h.send(.clientToServer, M.subscribe(["x", "y"], id: 2, v5: true))
        h.send(.serverToClient, M.suback(id: 2, [0x01, 0x80], v5: true))
        h.send(.clientToServer, M.publish("a/b", qos: 1, id: 3, payload: [], v5: true))
        h.send(.serverToClient, M.ack(4, id: 3, reason: 0x10))
        h.end()
        XCTAssertEqual(h.requests.first?.summary, "CONNECT MQTT 5 client=five keepalive=60 clean")
        XCTAssertEqual(h.requests[1].summary, "PUBLISH a/b qos=1 id=1 (3 bytes)")
        XCTAssertEqual(h.requests[2].summary, "SUBSCRIBE x qos=1 (+1 more) id=2")
        XCTAssertEqual(
            h.responses.map { $0.status?.code },
            ["success", "not_authorized", "unspecified_error", "no_matching_subscribers"])
        XCTAssertEqual(
            h.responses.map { $0.status?.outcome }, [.success, .authenticationFailure, .serverError, .success])
        XCTAssertEqual(h.responses.map(\.version), ["5", "5", "5", "5"])
        XCTAssertEqual(h.output.findings, [])

        var refused = DissectorHarness(MQTTDissector())
        refused.send(.clientToServer, M.connect(client: "five", level: 5))
        refused.send(.serverToClient, M.connack(0x86, v5: true))
        refused.end()
        XCTAssertEqual(
            refused.responses.first?.status, MessageStatus(.authenticationFailure, code: "bad_username_or_password"))
    }

    func testAcksOutOfOrderAndUnknownIdentifiersAreReported() {
        var h = DissectorHarness(MQTTDissector())
        h.send(.clientToServer, M.connect(client: "c"))
        h.send(.serverToClient, M.connack(0))
        for id in 1...3 { h.send(.clientToServer, M.publish("t", qos: 1, id: id, payload: [0])) }
        h.send(.serverToClient, M.ack(4, id: 2) + M.ack(4, id: 1) + M.ack(4, id: 3) + M.ack(4, id: 77))
        h.send(.serverToClient, M.suback(id: 5, [0]))
        h.end()
        XCTAssertEqual(h.codes, ["mqtt.ack-out-of-order"])
        XCTAssertTrue(h.output.findings[0].message.contains("PUBLISH id=2 while the earlier QoS 1 PUBLISH id=1"))
        XCTAssertEqual(h.responses.map(\.answers), [0, 3, 2, 4, nil, nil])
        XCTAssertEqual(h.responses[4].key, "PUBACK")
    }

    func testLongTopicsAreCutAndLargePayloadsSkipped() {
        var h = DissectorHarness(MQTTDissector())
        let topic = String(repeating: "t", count: 200)
        let payload = Array(repeating: UInt8(7), count: 3_000_000)
        h.send(.clientToServer, M.connect(client: "c") + M.publish(topic, qos: 0, payload: payload), chunk: 65_536)
        h.end()
        XCTAssertEqual(h.requests.last?.key, "PUBLISH " + String(repeating: "t", count: 64))
        XCTAssertEqual(h.requests.last?.bytes, Int64(1 + 4 + 2 + 200 + 3_000_000))
        XCTAssertTrue(h.requests.last?.summary.hasSuffix("(3000000 bytes)") ?? false)
        XCTAssertEqual(h.codes, [])
    }

    func testAGapInsideAPayloadLosesNothingElsewhereTheDirectionStops() {
        var h = DissectorHarness(MQTTDissector())
        let publish = M.publish("big", qos: 1, id: 1, payload: Array(repeating: 1, count: 10_000))
        h.send(.clientToServer, M.connect(client: "c") + publish.prefix(4_000))
        h.gap(.clientToServer, 5_000)
        h.send(.clientToServer, Array(publish.suffix(publish.count - 9_000)) + M.packet(12, []))
        h.send(.serverToClient, M.connack(0) + M.ack(4, id: 1))
        h.send(.serverToClient, [0x20])
        h.gap(.serverToClient, 3)
        h.send(.serverToClient, M.packet(13, []))
        h.end()
        XCTAssertEqual(h.requests.map(\.name), ["CONNECT", "PUBLISH", "PINGREQ"])
        XCTAssertEqual(h.requests[1].bytes, Int64(publish.count))
        XCTAssertEqual(h.responses.map(\.name), ["CONNACK", "PUBACK"])
        XCTAssertEqual(h.codes, ["mqtt.unreadable-after-gap"])
    }

    func testMalformedAndIncompletePacketsAreReported() {
        var h = DissectorHarness(MQTTDissector())
        h.send(.clientToServer, M.connect(client: "c") + [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] + M.packet(12, []))
        h.send(.serverToClient, M.connack(0) + [0x00, 0x00])
        h.end()
        XCTAssertEqual(h.codes, ["mqtt.malformed", "mqtt.malformed"])
        XCTAssertTrue(h.output.findings[0].message.contains("longer than 4 bytes"))
        XCTAssertEqual(h.requests.map(\.name), ["CONNECT"])

        var cut = DissectorHarness(MQTTDissector())
        cut.send(
            .clientToServer,
            M.connect(client: "c") + M.publish("t", qos: 0, payload: Array(repeating: 0, count: 5000)).prefix(3000))
        cut.send(.serverToClient, [0x20])
        cut.end(reset: true)
        XCTAssertEqual(cut.codes, ["mqtt.incomplete-message", "mqtt.incomplete-message"])
        XCTAssertTrue(
            cut.output.findings[0].message.contains("reset in the middle of a PUBLISH"), cut.output.findings[0].message)
    }

    func testAnyBytesAreReadWithoutCrashing() {
        var generator = SplitMix64(seed: 7)
        let base =
            M.connect(client: "c", level: 5) + M.publish("a", qos: 2, id: 1, payload: [1, 2], v5: true)
            + M.subscribe(["x"], id: 2, v5: true) + M.connack(0x87, v5: true) + M.suback(id: 2, [0x80], v5: true)
        for round in 0..<400 {
            var h = DissectorHarness(MQTTDissector())
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(generator.next() % 2000)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                bytes = base
                for _ in 0..<(1 + generator.next() % 6) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            let chunk = 1 + Int(generator.next() % 32)
            h.send(.clientToServer, bytes, chunk: chunk)
            h.send(.serverToClient, bytes, chunk: chunk)
            h.end()
        }
    }
}
