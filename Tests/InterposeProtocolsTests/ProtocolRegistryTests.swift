import InterposeCore
import InterposeProtocols
import XCTest

/// The registry is the one list of protocols: names, detection precedence, dissectors and content
/// decoders all come from it.
final class ProtocolRegistryTests: XCTestCase {
    private let registry = ProtocolRegistry.standard
    private let detector = ProtocolDetector()

    private func name(_ client: [UInt8], _ server: [UInt8] = [], port: UInt16 = 9999) -> String {
        detector.detect(client: Array(client.prefix(ProtocolDetector.prefixLength)), server: server, serverPort: port)
            .name
    }

    func testEverySelectableNameRoundTripsThroughItsDescriptor() {
        XCTAssertEqual(
            registry.selectable.map(\.name).sorted(), ["http1", "http2", "mqtt", "postgres", "raw", "redis", "tls"])
        for descriptor in registry.selectable {
            let application = registry.application(named: descriptor.name)
            XCTAssertEqual(application, descriptor.application, descriptor.name)
            XCTAssertEqual(application.map { registry.descriptor(for: $0).name }, descriptor.name)
            XCTAssertEqual(
                ConversationDissector.makeDissector(for: descriptor.application).application, descriptor.application)
        }
        for recognisedOnly in ["ssh", "mysql", "dns", "unknown", "auto", "HTTP1", ""] {
            XCTAssertNil(registry.application(named: recognisedOnly), recognisedOnly)
        }
        XCTAssertEqual(registry.names, registry.selectable.map(\.name).joined(separator: ", "))
    }

    func testNamesAndDefaultPortsAreEachClaimedOnce() {
        let names = registry.descriptors.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "\(names)")
        let ports = registry.descriptors.flatMap { $0.defaultPorts.map(\.port) }
        XCTAssertEqual(Set(ports).count, ports.count, "\(ports)")
        XCTAssertEqual(registry.descriptor(for: .http2).alpnIdentifiers, ["h2"])
        XCTAssertEqual(registry.descriptor(for: .http1).alpnIdentifiers, ["http/1.1"])
        XCTAssertEqual(registry.descriptor(for: .redis).alpnIdentifiers, [])
        XCTAssertEqual(
            registry.descriptors.filter(\.isSelectable).map(\.findingLayer),
            registry.selectable.map {
                $0.name == "http1" ? "http" : $0.name
            })
        XCTAssertEqual(registry.descriptor(for: .tls).replayRefusal != nil, true)
        XCTAssertEqual(registry.selectable.filter(\.pairsByTurn).map(\.name).sorted(), ["raw", "tls"])
    }

    func testContentBeatsEveryOtherProtocolsDefaultPort() {
        XCTAssertEqual(name(RegistryBytes.mqttConnect, port: 6379), "mqtt")
        XCTAssertEqual(name(RegistryBytes.redisCommand, port: 7000), "redis")
        XCTAssertEqual(name(RegistryBytes.redisCommand, port: 1883), "redis")
        XCTAssertEqual(name(RegistryBytes.postgresStartup, port: 1883), "postgres")
        XCTAssertEqual(name(RegistryBytes.postgresStartup, port: 80), "postgres")
        XCTAssertEqual(name(RegistryBytes.clientHello, port: 5432), "tls")
        XCTAssertEqual(name(Array("GET / HTTP/1.1\r\n".utf8), port: 5432), "http1")
        XCTAssertEqual(name(Array("SSH-2.0-OpenSSH_9.6\r\n".utf8), port: 6379), "ssh")
    }

    func testDetectionPrecedenceFollowsTheRegistryOrder() {
        // The HTTP/2 preface is also an HTTP/1 request line (method PRI): HTTP/2 is asked first.
        XCTAssertEqual(name(Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8), port: 80), "http2")
        // A client that sends a PostgreSQL startup to a server with an SSH banner: SSH is asked first.
        XCTAssertEqual(name(RegistryBytes.postgresStartup, Array("SSH-2.0-x\r\n".utf8)), "ssh")
        // A MySQL greeting is asked after every protocol the client's bytes identify.
        XCTAssertEqual(name([], RegistryBytes.mysqlGreeting), "mysql")
        XCTAssertEqual(name(RegistryBytes.redisCommand, RegistryBytes.mysqlGreeting), "redis")
        XCTAssertEqual(name(RegistryBytes.mqttConnect, RegistryBytes.mysqlGreeting), "mqtt")
        // An HTTP/1 status line from the server decides before a TLS-looking client.
        XCTAssertEqual(name(RegistryBytes.clientHello, Array("HTTP/1.1 400 Bad Request\r\n".utf8)), "http1")
        let order = registry.descriptors.map(\.name)
        XCTAssertEqual(
            order.filter { ["http2", "http1", "tls", "ssh", "postgres", "mqtt", "redis", "mysql"].contains($0) },
            ["http2", "http1", "tls", "ssh", "postgres", "mqtt", "redis", "mysql"])
    }

    func testDefaultPortsDecideOnlyWithTheBytesTheyNeed() {
        XCTAssertEqual(name([1, 2, 3], port: 1883), "mqtt")
        XCTAssertEqual(name([], [1, 2, 3], port: 6379), "redis")
        XCTAssertEqual(name([], [], port: 5432), "unknown")
        XCTAssertEqual(name([], [], port: 80), "http1")
        XCTAssertEqual(name([], [1], port: 8080), "unknown")
        XCTAssertEqual(name([1], port: 8080), "http1")
        XCTAssertEqual(name([], [1], port: 53), "unknown")
        XCTAssertEqual(name([1], port: 53), "dns")
        XCTAssertEqual(detector.detect(client: [1], server: [], serverPort: 53).application, .raw)
    }

    func testPortHintsBeatContent() {
        let hinted = ProtocolDetector(portHints: [6379: .mqtt])
        XCTAssertEqual(hinted.detect(client: RegistryBytes.redisCommand, server: [], serverPort: 6379).name, "mqtt")
    }

    // MARK: - Content decoders read what their dissectors delimit

    /// Runs a conversation through the protocol's dissector, cuts each direction's bytes into the
    /// messages it reported (as replay's recorder does) and decodes every response with the
    /// protocol's content decoder.
    private func decodedResponses(
        _ application: ApplicationProtocol, client: [UInt8], server: [UInt8]
    ) -> [(message: Message, fields: [ContentField]?)] {
        let descriptor = registry.descriptor(for: application)
        var h = DissectorHarness(descriptor.makeDissector())
        h.send(.clientToServer, client, chunk: 3)
        h.send(.serverToClient, server, chunk: 3)
        h.end()
        var offsets = [0, 0]
        var decoded: [(Message, [ContentField]?)] = []
        for message in h.output.messages {
            let side = Int(message.direction.rawValue)
            let bytes = message.direction == .clientToServer ? client : server
            let end = offsets[side] + Int(message.bytes)
            let content = Array(bytes[offsets[side]..<min(end, bytes.count)])
            offsets[side] = end
            if message.role == .response { decoded.append((message, descriptor.content.fields?(content, .none))) }
        }
        XCTAssertEqual(offsets, [client.count, server.count], "the messages cover every byte")
        return decoded
    }

    func testMQTTContentDecodesThePacketsItsDissectorDelimits() {
        let responses = decodedResponses(
            .mqtt, client: RegistryBytes.mqttConnect + RegistryBytes.mqttPublish,
            server: RegistryBytes.mqttConnack + RegistryBytes.mqttPuback)
        XCTAssertEqual(responses.map(\.message.name), ["CONNACK", "PUBACK"])
        XCTAssertEqual(responses.map { $0.fields?.first?.value }, ["CONNACK", "PUBACK"])
        XCTAssertEqual(
            responses[0].fields,
            [
                ContentField(path: "type", value: "CONNACK"), ContentField(path: "session_present", value: "0"),
                ContentField(path: "return_code", value: "0", statusClass: "0"),
            ])
    }

    func testRedisContentDecodesTheRepliesItsDissectorDelimits() {
        let responses = decodedResponses(
            .redis, client: RegistryBytes.redisCommand + RegistryBytes.redisCommand,
            server: Array("+PONG\r\n*2\r\n$1\r\na\r\n:7\r\n".utf8))
        XCTAssertEqual(responses.count, 2)
        XCTAssertEqual(responses[0].fields, [ContentField(path: "reply", value: "PONG")])
        XCTAssertEqual(
            responses[1].fields,
            [ContentField(path: "reply[0]", value: #""a""#), ContentField(path: "reply[1]", value: "(integer) 7")])
    }

    func testPostgresContentDecodesTheResultsItsDissectorDelimits() {
        let query = RegistryBytes.pgMessage("Q", Array("SELECT 1 AS one".utf8) + [0])
        let reply =
            RegistryBytes.pgMessage("T", [0, 1] + Array("one".utf8) + [0] + [UInt8](repeating: 0, count: 18))
            + RegistryBytes.pgMessage("D", [0, 1, 0, 0, 0, 1, UInt8(ascii: "1")])
            + RegistryBytes.pgMessage("C", Array("SELECT 1".utf8) + [0])
            + RegistryBytes.pgMessage("Z", [UInt8(ascii: "I")])
        let responses = decodedResponses(
            .postgres, client: RegistryBytes.postgresStartup + query,
            server: RegistryBytes.pgMessage("R", [0, 0, 0, 0]) + RegistryBytes.pgMessage("Z", [UInt8(ascii: "I")])
                + reply)
        XCTAssertEqual(responses.count, 2)
        let fields = responses[1].fields ?? []
        XCTAssertTrue(fields.contains(ContentField(path: "row[0].one", value: "1")), "\(fields)")
        XCTAssertTrue(fields.contains(ContentField(path: "tag", value: "SELECT 1")), "\(fields)")
    }

    func testHTTP1ContentDecodesTheResponsesItsDissectorDelimits() {
        let responses = decodedResponses(
            .http1, client: Array("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n".utf8),
            server: Array(
                ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"id\":17}"
                    + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").utf8))
        XCTAssertEqual(
            responses.map { $0.fields?.first },
            [
                ContentField(path: "status", value: "200", statusClass: "200"),
                ContentField(path: "status", value: "404", statusClass: "404"),
            ])
        XCTAssertEqual(responses[0].fields?.last, ContentField(path: "json:$.id", value: "17"))
    }

    func testTLSIsNotDecodedIntoFieldsAndHTTP2OnlyFromItsDissectorsKeptContent() {
        XCTAssertNil(registry.descriptor(for: .tls).content.fields)
        XCTAssertNil(registry.descriptor(for: .tls).makeContentDissector)
        XCTAssertNotNil(registry.descriptor(for: .http2).makeContentDissector)
        // HTTP/2 frames on the wire are not the kept format: no fields from them.
        XCTAssertNil(registry.descriptor(for: .http2).content.fields?([0, 0, 0, 4, 0, 0, 0, 0, 0], .none))
        XCTAssertEqual(
            registry.descriptor(for: .raw).content.fields?([0x00, 0x41], .none),
            [ContentField(path: "bytes", value: #"\x00A"#)])
    }
}

/// First bytes of real conversations, as the detector and dissector tests send them.
private enum RegistryBytes {
    static let mqttConnect: [UInt8] =
        [0x10, 0x12, 0x00, 0x04] + Array("MQTT".utf8) + [0x04, 0x02, 0x00, 0x3C]
        + [0x00, 0x06] + Array("client".utf8)
    static let mqttConnack: [UInt8] = [0x20, 0x02, 0x00, 0x00]
    static let mqttPublish: [UInt8] = [0x32, 0x09, 0x00, 0x03] + Array("a/b".utf8) + [0x00, 0x01] + Array("hi".utf8)
    static let mqttPuback: [UInt8] = [0x40, 0x02, 0x00, 0x01]
    static let redisCommand = Array("*1\r\n$4\r\nPING\r\n".utf8)
    static let postgresStartup: [UInt8] = {
        let body =
            [0, 3, 0, 0] + Array("user".utf8) + [0] + Array("app".utf8) + [0] + Array("database".utf8) + [0]
            + Array("shop".utf8) + [0, 0]
        return u32(body.count + 4) + body
    }()
    static let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x2F, 0x01, 0x00, 0x00, 0x2B, 0x03, 0x03]
    /// A MySQL server greeting: packet length 74, sequence 0, protocol version 10.
    static let mysqlGreeting: [UInt8] = [0x4A, 0x00, 0x00, 0x00, 0x0A] + Array("8.0.36".utf8) + [0]

    static func u32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    static func pgMessage(_ type: Character, _ body: [UInt8]) -> [UInt8] {
        [type.asciiValue!] + u32(body.count + 4) + body
    }
}
