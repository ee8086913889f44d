import Foundation
import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeTestSupport
import XCTest

/// mosquitto_sub and mosquitto_pub against a mosquitto broker, captured on loopback and read back
/// through the reader and the MQTT dissector, compared with tshark's MQTT dissector.
final class MQTTLoopbackTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-mqtt-capture-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    func testMosquittoClientsAndBrokerAreReadAsTSharkReadsThem() throws {
        let broker = try MosquittoBroker()
        defer { broker.stop() }
        let sub = try ProcessRunner.require("mosquitto_sub", package: "mosquitto-clients")
        let pub = try ProcessRunner.require("mosquitto_pub", package: "mosquitto-clients")
        let path = "\(work)/mqtt.pcap"
        let capture = try LoopbackCapture(path: path, ports: [broker.port])
        let subscriber = try BackgroundProcess(
            sub, ["-h", "127.0.0.1", "-p", "\(broker.port)", "-C", "3", "-t", "t", "-q", "1"])
        try broker.waitForLog(containing: "Sending SUBACK")
        for qos in 0...2 {
            let result = try ProcessRunner.run(
                pub, ["-h", "127.0.0.1", "-p", "\(broker.port)", "-t", "t", "-q", "\(qos)", "-m", "reading \(qos)"],
                timeout: 20)
            XCTAssertEqual(result.status, 0, result.stderrText)
        }
        XCTAssertEqual(subscriber.waitForExit(timeout: 20), 0, subscriber.stdoutText)
        capture.stop()

        let dissected = try DissectedCapture(path: path)
        let conversations = dissected.conversations
        XCTAssertEqual(conversations.count, 4)
        XCTAssertEqual(Set(dissected.detected.values), [.mqtt])
        for conversation in conversations {
            XCTAssertEqual(conversation.findings, [])
            let answered = Set(conversation.messages.compactMap(\.answers))
            for request in conversation.messages where request.role == .request && request.expectsResponse {
                XCTAssertTrue(
                    answered.contains(request.index),
                    "\(request.summary) unanswered: \(conversation.messages.map(\.summary))")
            }
        }
        guard conversations.count == 4 else { return }
        let subscriber0 = conversations[0].messages
        XCTAssertEqual(subscriber0.filter { $0.role == .request }.map(\.key).prefix(2), ["CONNECT", "SUBSCRIBE t"])
        XCTAssertEqual(subscriber0.filter { $0.role == .event && $0.name == "PUBLISH" }.count, 3)
        XCTAssertEqual(
            subscriber0.filter { $0.direction == .clientToServer && $0.name == "PUBACK" }.map(\.role), [.event, .event])
        XCTAssertEqual(
            conversations[2].messages.filter { $0.role == .request }.map(\.name), ["CONNECT", "PUBLISH", "DISCONNECT"])
        XCTAssertEqual(conversations[2].messages.first { $0.name == "PUBLISH" }?.key, "PUBLISH t")
        XCTAssertEqual(
            conversations[3].messages.filter { $0.role == .response }.map(\.name), ["CONNACK", "PUBREC", "PUBCOMP"])

        // tshark counts the same packets of every type.
        let output = try TShark.run([
            "-r", path, "-d", "tcp.port==\(broker.port),mqtt", "-T", "fields", "-e", "mqtt.msgtype",
        ])
        var theirs: [String: Int] = [:]
        for type in output.split(whereSeparator: { $0 == "\n" || $0 == "," }) {
            guard let number = UInt8(type) else { continue }
            theirs[Self.names[Int(number)], default: 0] += 1
        }
        var ours: [String: Int] = [:]
        for message in dissected.allMessages { ours[message.name, default: 0] += 1 }
        XCTAssertEqual(ours, theirs)
    }

    private static let names = [
        "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK",
        "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
    ]
}
