/// MQTT control packet types: the high nibble of a packet's first byte (MQTT 3.1.1 §2.2.1, MQTT 5
/// §2.1.2). Type 0 is reserved and never a packet.
enum MQTTPacketType: UInt8, Sendable, Hashable {
    case connect = 1
    case connack = 2
    case publish = 3
    case puback = 4
    case pubrec = 5
    case pubrel = 6
    case pubcomp = 7
    case subscribe = 8
    case suback = 9
    case unsubscribe = 10
    case unsuback = 11
    case pingreq = 12
    case pingresp = 13
    case disconnect = 14
    /// MQTT 5 only.
    case auth = 15

    /// The type of a packet whose first byte is `first`; `nil` for the reserved type 0.
    init?(firstByte first: UInt8) {
        self.init(rawValue: first >> 4)
    }

    /// `CONNECT`, `PUBLISH`...
    var name: String {
        switch self {
        case .connect: return "CONNECT"
        case .connack: return "CONNACK"
        case .publish: return "PUBLISH"
        case .puback: return "PUBACK"
        case .pubrec: return "PUBREC"
        case .pubrel: return "PUBREL"
        case .pubcomp: return "PUBCOMP"
        case .subscribe: return "SUBSCRIBE"
        case .suback: return "SUBACK"
        case .unsubscribe: return "UNSUBSCRIBE"
        case .unsuback: return "UNSUBACK"
        case .pingreq: return "PINGREQ"
        case .pingresp: return "PINGRESP"
        case .disconnect: return "DISCONNECT"
        case .auth: return "AUTH"
        }
    }

    /// The name of the type in a first byte, `RESERVED` for type 0.
    static func name(ofFirstByte first: UInt8) -> String {
        MQTTPacketType(firstByte: first)?.name ?? "RESERVED"
    }
}
