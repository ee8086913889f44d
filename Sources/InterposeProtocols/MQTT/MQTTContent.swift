/// MQTT packets as fields and text: `type`, `return_code` (3.1.1) or `reason_code` (5), `topic`,
/// `qos`, `retain`, `payload`. Packet identifiers are left out: they number the packets of one
/// connection and are identity, not content.
///
/// Packets are split by the dissector's `MQTTPacketReader`. The protocol version is not in a reply's
/// bytes; it is told from the packet's length where that shows it (a CONNACK or PUBACK longer than
/// MQTT 3.1.1 allows is MQTT 5), and MQTT 5 properties of PUBLISH and SUBACK, which cannot be told
/// apart from a 3.1.1 body, stay part of the body.
enum MQTTContent {
    /// The fields of the packets in `bytes`: the first packet's as they are, later packets' under
    /// `packet[N].`; `nil` when the bytes are not MQTT packets.
    static func fields(_ bytes: [UInt8]) -> [ContentField]? {
        guard let packets = MQTTPacketReader.packets(in: bytes) else { return nil }
        var fields: [ContentField] = []
        for (index, packet) in packets.enumerated() {
            let prefix = index == 0 ? "" : "packet[\(index)]."
            fields += self.fields(of: packet).map {
                ContentField(path: prefix + $0.path, value: $0.value, statusClass: $0.statusClass)
            }
        }
        return fields
    }

    /// One line per packet: `PUBLISH topic=a/b qos=1 retain=0 payload=hello`.
    static func text(_ bytes: [UInt8]) -> String? {
        guard let packets = MQTTPacketReader.packets(in: bytes) else { return nil }
        return packets.map { packet in
            let fields = fields(of: packet)
            return ([fields[0].value] + fields.dropFirst().map { $0.path + "=" + $0.value }).joined(separator: " ")
        }.joined(separator: "\n")
    }

    private static func fields(of packet: MQTTPacketReader.Packet) -> [ContentField] {
        var fields = [ContentField(path: "type", value: packet.type.name)]
        func add(_ path: String, _ value: String) { fields.append(ContentField(path: path, value: value)) }
        // Return and reason codes say whether the broker accepted (a refused CONNECT, a SUBACK's
        // 128, a PUBACK's 135): the packet's status.
        func addCode(_ path: String, _ value: String) {
            fields.append(ContentField(path: path, value: value, statusClass: value))
        }
        let body = packet.prefix
        var reader = ByteReader(body)
        switch packet.type {
        case .connect:
            if let protocolName = string(&reader), let level = reader.readUInt8() {
                add("protocol", protocolName + " \(level)")
            }
        case .connack:
            if body.count >= 2 {
                add("session_present", String(body[0] & 1))
                addCode(body.count > 2 ? "reason_code" : "return_code", String(body[1]))
            }
        case .publish:
            let qos = (packet.flags >> 1) & 3
            add("topic", string(&reader) ?? "")
            add("qos", String(qos))
            add("retain", String(packet.flags & 1))
            if qos > 0 { _ = reader.skip(2) }
            add("payload", ByteText.value(reader.rest))
        case .puback, .pubrec, .pubrel, .pubcomp, .unsuback:
            if body.count > 2 { addCode("reason_code", body[2...].map { String($0) }.joined(separator: ",")) }
        case .subscribe, .unsubscribe:
            reader = ByteReader(body, start: 2)
            var topics: [String] = []
            while let topic = string(&reader) {
                topics.append(topic)
                if packet.type == .subscribe { _ = reader.readUInt8() }
            }
            add("topic", topics.joined(separator: ","))
        case .suback:
            addCode("return_code", body.dropFirst(2).map { String($0) }.joined(separator: ","))
        case .disconnect, .auth:
            if let code = body.first { addCode("reason_code", String(code)) }
        case .pingreq, .pingresp:
            break
        }
        return fields
    }

    /// A two-byte-length UTF-8 string.
    private static func string(_ reader: inout ByteReader) -> String? {
        reader.readPrefixed(width: 2).map { ByteText.escaped($0.rest) }
    }
}
