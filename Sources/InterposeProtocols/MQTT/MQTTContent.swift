/// MQTT packets as fields and text: `type`, `return_code` (3.1.1) or `reason_code` (5), `topic`,
/// `qos`, `retain`, `payload`. Packet identifiers are left out: they number the packets of one
/// connection and are identity, not content.
///
/// Parsed here because InterposeProtocols' `MQTTPacketReader` is internal to its module. The
/// protocol version is not in a reply's bytes; it is told from the packet's length where that
/// shows it (a CONNACK or PUBACK longer than MQTT 3.1.1 allows is MQTT 5), and MQTT 5 properties
/// of PUBLISH and SUBACK, which cannot be told apart from a 3.1.1 body, stay part of the body.
enum MQTTContent {
    /// The fields of the packets in `bytes`: the first packet's as they are, later packets' under
    /// `packet[N].`; `nil` when the bytes are not MQTT packets.
    static func fields(_ bytes: [UInt8]) -> [ContentField]? {
        guard let packets = packets(bytes) else { return nil }
        var fields: [ContentField] = []
        for (index, packet) in packets.enumerated() {
            let prefix = index == 0 ? "" : "packet[\(index)]."
            fields += self.fields(of: packet).map { ContentField(path: prefix + $0.path, value: $0.value) }
        }
        return fields
    }

    /// One line per packet: `PUBLISH topic=a/b qos=1 retain=0 payload=hello`.
    static func text(_ bytes: [UInt8]) -> String? {
        guard let packets = packets(bytes) else { return nil }
        return packets.map { packet in
            let fields = fields(of: packet)
            return ([fields[0].value] + fields.dropFirst().map { $0.path + "=" + $0.value }).joined(separator: " ")
        }.joined(separator: "\n")
    }

    private struct Packet {
        var type: UInt8
        var flags: UInt8
        var body: ArraySlice<UInt8>
    }

    private static func packets(_ bytes: [UInt8]) -> [Packet]? {
        var packets: [Packet] = []
        var index = 0
        while index < bytes.count {
            let type = bytes[index] >> 4
            guard type != 0 else { return nil }
            var length = 0
            var shift = 0
            var cursor = index + 1
            while true {
                guard cursor < bytes.count, shift <= 21 else { return nil }
                let byte = bytes[cursor]
                length |= Int(byte & 0x7F) << shift
                shift += 7
                cursor += 1
                if byte & 0x80 == 0 { break }
            }
            let end = min(bytes.count, cursor + length)
            packets.append(Packet(type: type, flags: bytes[index] & 0x0F, body: bytes[cursor..<end]))
            index = cursor + length
        }
        return packets.isEmpty ? nil : packets
    }

    private static func fields(of packet: Packet) -> [ContentField] {
        var fields = [ContentField(path: "type", value: name(packet.type))]
        func add(_ path: String, _ value: String) { fields.append(ContentField(path: path, value: value)) }
        let body = Array(packet.body)
        switch packet.type {
        case 1:  // CONNECT
            var reader = PostgresContent.Reader(bytes: packet.body)
            if let protocolName = string(&reader), let level = reader.byte() {
                add("protocol", protocolName + " \(level)")
            }
        case 2:  // CONNACK
            if body.count >= 2 {
                add("session_present", String(body[0] & 1))
                add(body.count > 2 ? "reason_code" : "return_code", String(body[1]))
            }
        case 3:  // PUBLISH
            var reader = PostgresContent.Reader(bytes: packet.body)
            let qos = (packet.flags >> 1) & 3
            add("topic", string(&reader) ?? "")
            add("qos", String(qos))
            add("retain", String(packet.flags & 1))
            if qos > 0 { _ = reader.skip(2) }
            add("payload", ByteText.value(reader.bytes))
        case 4, 5, 6, 7, 11:  // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK
            if body.count > 2 { add("reason_code", body[2...].map { String($0) }.joined(separator: ",")) }
        case 8, 10:  // SUBSCRIBE, UNSUBSCRIBE
            var reader = PostgresContent.Reader(bytes: packet.body.dropFirst(2))
            var topics: [String] = []
            while let topic = string(&reader) {
                topics.append(topic)
                if packet.type == 8 { _ = reader.byte() }
            }
            add("topic", topics.joined(separator: ","))
        case 9:  // SUBACK
            add("return_code", body.dropFirst(2).map { String($0) }.joined(separator: ","))
        case 14, 15:  // DISCONNECT, AUTH (MQTT 5)
            if let code = body.first { add("reason_code", String(code)) }
        default:
            break
        }
        return fields
    }

    /// A two-byte-length UTF-8 string.
    private static func string(_ reader: inout PostgresContent.Reader) -> String? {
        guard let length = reader.int16().map({ Int(UInt16(bitPattern: $0)) }), let data = reader.take(length) else {
            return nil
        }
        return ByteText.escaped(data)
    }

    private static func name(_ type: UInt8) -> String {
        let names = [
            "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK",
            "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
        ]
        return names[Int(type & 0x0F)]
    }
}
