/// Builds MQTT control packets byte by byte for the dissector's unit tests.
enum MQTTBytes {
    static func varint(_ value: Int) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            var byte = UInt8(value % 128)
            value /= 128
            if value > 0 { byte |= 0x80 }
            out.append(byte)
        } while value > 0
        return out
    }

    static func string(_ text: String) -> [UInt8] { TLSBytes.u16(text.utf8.count) + Array(text.utf8) }

    static func packet(_ type: UInt8, flags: UInt8 = 0, _ body: [UInt8]) -> [UInt8] {
        [type << 4 | flags] + varint(body.count) + body
    }

    /// MQTT 5 properties: a length then the bytes.
    static func properties(_ bytes: [UInt8]) -> [UInt8] { varint(bytes.count) + bytes }

    static func connect(client: String, level: UInt8 = 4, properties props: [UInt8] = []) -> [UInt8] {
        var body = string("MQTT") + [level, 0x02] + TLSBytes.u16(60)
        if level == 5 { body += properties(props) }
        return packet(1, body + string(client))
    }

    static func connack(_ code: UInt8, v5: Bool = false) -> [UInt8] {
        packet(2, [0, code] + (v5 ? [0] : []))
    }

    static func publish(_ topic: String, qos: UInt8, id: Int = 0, payload: [UInt8], v5: Bool = false) -> [UInt8] {
        var body = string(topic)
        if qos > 0 { body += TLSBytes.u16(id) }
        if v5 { body += properties([0x01, 0x01]) }
        return packet(3, flags: qos << 1, body + payload)
    }

    static func ack(_ type: UInt8, id: Int, reason: UInt8? = nil) -> [UInt8] {
        packet(type, flags: type == 6 ? 2 : 0, TLSBytes.u16(id) + (reason.map { [$0, 0] } ?? []))
    }

    static func subscribe(_ topics: [String], id: Int, qos: UInt8 = 1, v5: Bool = false) -> [UInt8] {
        packet(8, flags: 2, TLSBytes.u16(id) + (v5 ? [0] : []) + topics.flatMap { string($0) + [qos] })
    }

    static func suback(id: Int, _ codes: [UInt8], v5: Bool = false) -> [UInt8] {
        packet(9, TLSBytes.u16(id) + (v5 ? [0] : []) + codes)
    }
}
