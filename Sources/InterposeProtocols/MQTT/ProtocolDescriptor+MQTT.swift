extension ApplicationProtocol {
    /// MQTT 3.1, 3.1.1 and 5.
    public static let mqtt = ApplicationProtocol("mqtt")
}

extension ProtocolDescriptor {
    /// MQTT: a client's CONNECT, or port 1883.
    package static let mqtt = ProtocolDescriptor(
        application: .mqtt,
        detect: { client, _ in ProtocolDescriptor.isMQTTConnect(client) },
        defaultPorts: [DefaultPort(1883, when: .eitherSideSent)],
        makeDissector: { MQTTDissector() },
        content: ContentDecoding(fields: { MQTTContent.fields($0) }, text: { bytes, _ in MQTTContent.text(bytes) }),
        makeCredentialLocator: { MQTTCredentialLocator() })

    /// Whether the bytes begin an MQTT CONNECT: type 1, a remaining length, then the protocol name
    /// `MQTT` (3.1.1, 5) or `MQIsdp` (3.1).
    static func isMQTTConnect(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2, MQTTPacketType(firstByte: bytes[0]) == .connect, bytes[0] & 0x0F == 0 else {
            return false
        }
        var index = 1
        while index < bytes.count, index < 5, bytes[index] & 0x80 != 0 { index += 1 }
        index += 1
        let rest = bytes.dropFirst(index)
        return rest.starts(with: [0, 4] + Array("MQTT".utf8)) || rest.starts(with: [0, 6] + Array("MQIsdp".utf8))
            || (rest.count < 6 && !rest.isEmpty && rest.first == 0)
    }
}
