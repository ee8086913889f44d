import DequeModule
import InterposeCore
import NIOCore

/// Reads MQTT 3.1, 3.1.1 and 5 conversations: every control packet, paired by packet identifier.
///
/// Requests are what the client sends and the server answers: CONNECT (CONNACK), PUBLISH with
/// QoS 1 (PUBACK) or QoS 2 (PUBREC), PUBREL (PUBCOMP), SUBSCRIBE (SUBACK), UNSUBSCRIBE
/// (UNSUBACK), PINGREQ (PINGRESP); a QoS 0 PUBLISH and DISCONNECT expect nothing. What the
/// server delivers to subscribers, the client's acknowledgements of it, and AUTH are events.
/// Payloads are counted, not kept; MQTT 5 properties are skipped by their length.
///
/// ```swift
/// // mosquitto_pub -q 1 -t sensors/temp -m 21:
/// // request  "CONNECT"  key "CONNECT"               -> response "CONNACK" (accepted)
/// // request  "PUBLISH"  key "PUBLISH sensors/temp"  -> response "PUBACK"
/// // request  "DISCONNECT" (expects no response)
/// ```
public struct MQTTDissector: Dissector {
    public let application = ApplicationProtocol.mqtt

    /// Topics are cut to this many characters in keys and summaries.
    static let topicLimit = 64

    /// A request waiting for its response: by response type and packet identifier.
    private struct Awaited: Hashable {
        var response: MQTTPacketType
        var identifier: Int
    }

    private struct Pending {
        var index: Int
        var key: String
    }

    private var client = MQTTPacketReader()
    private var server = MQTTPacketReader()
    private var level = 4
    private var nextIndex = 0
    private var pendingConnect: Pending?
    private var pending: [Awaited: Pending] = [:]
    private var pings: Deque<Pending> = []
    /// Packet identifiers of QoS 1 PUBLISHes awaiting their PUBACK, in the order they were sent,
    /// per direction of the PUBLISH (MQTT 3.1.1 §4.6: PUBACKs go out in that order).
    private var clientPublishOrder: Deque<Int> = []
    private var serverPublishOrder: Deque<Int> = []
    /// Whether `end` already reported what was left unfinished.
    private var ended = false

    /// A dissector at the start of a conversation.
    public init() {}

    private var isV5: Bool { level >= 5 }

    public mutating func receive(
        _ bytes: ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        var packets: [MQTTPacketReader.Packet] = []
        var failure: String?
        do {
            if direction == .clientToServer {
                guard !client.stopped else { return }
                try client.read(bytes, at: timestamp, into: &packets)
            } else {
                guard !server.stopped else { return }
                try server.read(bytes, at: timestamp, into: &packets)
            }
        } catch {
            guard case .malformed(let reason) = error else { return }
            failure = reason
        }
        for item in packets { take(item, direction: direction, at: timestamp, packet: packet, into: &output) }
        if let failure {
            stop(
                direction, code: .mqttMalformed,
                message: "malformed MQTT packet \(direction): \(failure)",
                packet: packet, into: &output)
        }
    }

    public mutating func gap(
        _ size: Int, direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        var packets: [MQTTPacketReader.Packet] = []
        let skipped: Bool
        if direction == .clientToServer {
            guard !client.stopped else { return }
            skipped = client.skipGap(size, into: &packets)
        } else {
            guard !server.stopped else { return }
            skipped = server.skipGap(size, into: &packets)
        }
        for item in packets { take(item, direction: direction, at: timestamp, packet: packet, into: &output) }
        if !skipped {
            stop(
                direction, code: .mqttUnreadableAfterGap,
                message:
                    "\(size) bytes missing \(direction) outside a payload; the rest of this direction is not dissected",
                packet: packet, into: &output)
        }
    }

    public mutating func finish(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {}

    public mutating func end(reset: Bool, at timestamp: Timestamp, into output: inout DissectorOutput) {
        guard !ended else { return }
        ended = true
        for (reader, direction) in [(client, Direction.clientToServer), (server, .serverToClient)]
        where !reader.stopped && reader.isInsideMessage {
            let what =
                reader.current.map { "a \($0.type.name) (\($0.bytes) of \($0.length) bytes read)" }
                ?? "a packet header (\(reader.cursor.keptBytes) bytes read)"
            output.report(
                DissectorFinding(
                    code: .mqttIncompleteMessage,
                    message: "connection \(reset ? "reset" : "closed") in the middle of \(what) \(direction)"))
        }
    }

    // MARK: - Packets

    private mutating func take(
        _ item: MQTTPacketReader.Packet, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        var reader = ByteReader(item.prefix)
        let name = item.type.name
        var message = Message(
            index: nextIndex, role: .event, application: .mqtt, direction: direction, start: item.start, end: timestamp,
            packet: packet, name: name, summary: name, key: name, version: MQTTNames.version(level), bytes: item.bytes)
        let fromClient = direction == .clientToServer
        switch item.type {
        case .connect where fromClient:
            connect(&reader, into: &message)
            pendingConnect = Pending(index: message.index, key: message.key)
        case .connack where !fromClient:
            let sessionPresent = reader.readUInt8().map { $0 & 1 == 1 } ?? false
            let code = reader.readUInt8() ?? 0
            let status = isV5 ? MQTTNames.reasonCode(code, v5: true) : MQTTNames.connectReturnCode(code)
            message.summary = "CONNACK \(status.code)" + (sessionPresent ? " session-present" : "")
            respond(&message, to: pendingConnect, status: status)
            pendingConnect = nil
        case .publish:
            publish(&reader, item: item, fromClient: fromClient, into: &message)
        case .puback, .pubrec, .pubcomp:
            acknowledgement(&reader, item: item, fromClient: fromClient, into: &message, output: &output)
        case .pubrel:
            let identifier = reader.readUInt16() ?? 0
            message.summary = "PUBREL id=\(identifier)"
            if fromClient {
                request(&message, expecting: .pubcomp, identifier: identifier)
            }
        case .subscribe where fromClient, .unsubscribe where fromClient:
            let identifier = reader.readUInt16() ?? 0
            skipProperties(&reader)
            var topics: [String] = []
            var options: [UInt8] = []
            while let topic = reader.readPrefixed(width: 2) {
                topics.append(MQTTDissector.topic(topic.rest))
                if item.type == .subscribe { options.append(reader.readUInt8() ?? 0) }
            }
            message.key = "\(name) \(topics.first ?? "")"
            message.summary = "\(name) \(topics.first ?? "")"
            if item.type == .subscribe, let first = options.first { message.summary += " qos=\(first & 3)" }
            if topics.count > 1 { message.summary += " (+\(topics.count - 1) more)" }
            message.summary += " id=\(identifier)"
            request(&message, expecting: item.type == .subscribe ? .suback : .unsuback, identifier: identifier)
        case .suback where !fromClient, .unsuback where !fromClient:
            let identifier = reader.readUInt16() ?? 0
            skipProperties(&reader)
            let codes = reader.readRest()
            let failed = codes.first { $0 >= 0x80 }
            let status =
                (item.type == .unsuback && !isV5)
                ? MessageStatus(.success, code: "success")
                : failed.map { MQTTNames.reasonCode($0, v5: isV5) } ?? MessageStatus(.success, code: "success")
            message.summary =
                "\(name) id=\(identifier)"
                + (codes.isEmpty ? "" : " codes=" + codes.map(String.init).joined(separator: ","))
            respond(
                &message, to: pending.removeValue(forKey: Awaited(response: item.type, identifier: identifier)),
                status: status)
        case .pingreq where fromClient:
            message.role = .request
            message.expectsResponse = true
            pings.append(Pending(index: message.index, key: message.key))
            if pings.count > 1_024 { pings.removeFirst(512) }
        case .pingresp where !fromClient:
            respond(
                &message, to: pings.isEmpty ? nil : pings.removeFirst(),
                status: MessageStatus(.success, code: "success"))
        case .disconnect:
            if let code = reader.readUInt8() {
                let status = MQTTNames.reasonCode(code, v5: true)
                message.summary = "DISCONNECT \(status.code)"
                message.status = status
                // MQTT 5: a server DISCONNECT with a reason code is its answer to what is pending
                // (a PUBLISH too large, not authorised...).
                message.endsSession = !fromClient
            }
            if fromClient { message.role = .request }
        default:
            // AUTH, and packets sent the wrong way: events.
            if item.type == .auth, let code = reader.readUInt8() {
                message.summary = "AUTH \(MQTTNames.reasonCode(code, v5: true).code)"
            }
        }
        output.emit(message)
        nextIndex += 1
    }

    private mutating func connect(_ reader: inout ByteReader, into message: inout Message) {
        let protocolName = reader.readPrefixed(width: 2)
        let level = reader.readUInt8().map(Int.init) ?? 4
        self.level = level
        let flags = reader.readUInt8() ?? 0
        let keepAlive = reader.readUInt16()
        skipProperties(&reader)
        let id = reader.readPrefixed(width: 2).map { MQTTDissector.topic($0.rest) } ?? "?"
        let name = protocolName.map { ByteReader.printable($0.rest, limit: 16) } ?? "?"
        message.role = .request
        message.expectsResponse = true
        message.version = MQTTNames.version(level)
        message.summary = "CONNECT \(name) \(MQTTNames.version(level)) client=\(id.isEmpty ? "(empty)" : id)"
        if let keepAlive { message.summary += " keepalive=\(keepAlive)" }
        if flags & 0x02 != 0 { message.summary += " clean" }
        if flags & 0x80 != 0 { message.summary += " username" }
    }

    private mutating func publish(
        _ reader: inout ByteReader, item: MQTTPacketReader.Packet, fromClient: Bool, into message: inout Message
    ) {
        let qos = Int(item.flags >> 1 & 3)
        let topic = reader.readPrefixed(width: 2).map { MQTTDissector.topic($0.rest) } ?? "?"
        let identifier = qos > 0 ? reader.readUInt16() ?? 0 : nil
        skipProperties(&reader)
        let payload = max(0, item.length - reader.offset)
        message.key = "PUBLISH \(topic)"
        message.summary =
            "PUBLISH \(topic) qos=\(qos)" + (identifier.map { " id=\($0)" } ?? "")
            + (item.flags & 0x01 != 0 ? " retain" : "") + (item.flags & 0x08 != 0 ? " dup" : "") + " (\(payload) bytes)"
        var fingerprint = FNV1a()
        fingerprint.add(topic)
        fingerprint.add(String(qos))
        fingerprint.add(reader.readRest())
        fingerprint.add(String(payload))
        message.fingerprint = fingerprint.value
        if fromClient {
            if let identifier {
                request(&message, expecting: qos == 1 ? .puback : .pubrec, identifier: identifier)
                if qos == 1 { MQTTDissector.remember(identifier, in: &clientPublishOrder) }
            } else {
                message.role = .request
            }
        } else if qos == 1, let identifier {
            MQTTDissector.remember(identifier, in: &serverPublishOrder)
        }
    }

    /// PUBACK, PUBREC, PUBCOMP: responses from the server, events from the client.
    private mutating func acknowledgement(
        _ reader: inout ByteReader, item: MQTTPacketReader.Packet, fromClient: Bool, into message: inout Message,
        output: inout DissectorOutput
    ) {
        let identifier = reader.readUInt16() ?? 0
        let status =
            reader.readUInt8().map { MQTTNames.reasonCode($0, v5: true) } ?? MessageStatus(.success, code: "success")
        message.summary = "\(message.name) id=\(identifier)" + (status.isFailure ? " \(status.code)" : "")
        if item.type == .puback {
            if fromClient {
                checkOrder(
                    identifier, in: &serverPublishOrder, ackedBy: "client", message: message.index, output: &output)
            } else {
                checkOrder(
                    identifier, in: &clientPublishOrder, ackedBy: "server", message: message.index, output: &output)
            }
        }
        if fromClient {
            message.status = status
        } else {
            let answered = pending.removeValue(forKey: Awaited(response: item.type, identifier: identifier))
            respond(&message, to: answered, status: status)
        }
    }

    private func skipProperties(_ reader: inout ByteReader) {
        guard isV5, let length = reader.readVarint() else { return }
        _ = reader.skip(min(length, reader.remaining))
    }

    private mutating func request(_ message: inout Message, expecting response: MQTTPacketType, identifier: Int) {
        message.role = .request
        message.expectsResponse = true
        pending[Awaited(response: response, identifier: identifier)] = Pending(index: message.index, key: message.key)
    }

    private func respond(_ message: inout Message, to request: Pending?, status: MessageStatus) {
        message.role = .response
        message.answers = request?.index
        message.key = request?.key ?? message.name
        message.status = status
    }

    private static func remember(_ identifier: Int, in order: inout Deque<Int>) {
        order.append(identifier)
        if order.count > 65_536 { order.removeFirst(order.count - 65_536) }
    }

    private static func topic(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.count > topicLimit ? String(text.prefix(topicLimit)) : text
    }

    private func checkOrder(
        _ identifier: Int, in order: inout Deque<Int>, ackedBy sender: String, message index: Int,
        output: inout DissectorOutput
    ) {
        guard let position = order.firstIndex(of: identifier) else { return }
        if position > 0 {
            output.report(
                DissectorFinding(
                    code: .mqttAckOutOfOrder,
                    message:
                        "\(sender) acknowledged PUBLISH id=\(identifier) while the earlier QoS 1 PUBLISH id=\(order[0]) is still unacknowledged (MQTT 3.1.1 §4.6 requires PUBACKs in order)",
                    messageIndex: index))
        }
        order.remove(at: position)
    }

    private mutating func stop(
        _ direction: Direction, code: FindingCode, severity: Severity? = nil, message: String, packet: Int?,
        into output: inout DissectorOutput
    ) {
        if direction == .clientToServer { client.stopped = true } else { server.stopped = true }
        output.report(
            DissectorFinding(
                code: code, severity: severity, message: message, detail: "the rest of this direction is not dissected",
                packet: packet))
    }
}
