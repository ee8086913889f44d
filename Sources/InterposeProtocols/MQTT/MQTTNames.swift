/// Names and outcomes for MQTT's numbers (MQTT 3.1.1 and 5.0 specifications): protocol levels,
/// CONNACK return codes, MQTT 5 reason codes. Packet types are `MQTTPacketType`.
enum MQTTNames {
    /// `3.1`, `3.1.1`, `5` for protocol levels 3, 4, 5.
    static func version(_ level: Int) -> String {
        switch level {
        case 3: return "3.1"
        case 4: return "3.1.1"
        case 5: return "5"
        default: return "level \(level)"
        }
    }

    /// The status of an MQTT 3.1 / 3.1.1 CONNACK return code.
    static func connectReturnCode(_ code: UInt8) -> MessageStatus {
        switch code {
        case 0: return MessageStatus(.success, code: "accepted")
        case 1: return MessageStatus(.clientError, code: "unacceptable_protocol_version")
        case 2: return MessageStatus(.clientError, code: "identifier_rejected")
        case 3: return MessageStatus(.serverError, code: "server_unavailable")
        case 4: return MessageStatus(.authenticationFailure, code: "bad_username_or_password")
        case 5: return MessageStatus(.authenticationFailure, code: "not_authorized")
        default: return MessageStatus(.clientError, code: "return_code_\(code)")
        }
    }

    /// The status of an MQTT 5 reason code (or an MQTT 3.1.1 SUBACK code: 0-2 granted, 0x80 failure).
    static func reasonCode(_ code: UInt8, v5: Bool) -> MessageStatus {
        if code < 0x80 {
            let name: String =
                switch code {
                case 0: "success"
                case 1: "granted_qos_1"
                case 2: "granted_qos_2"
                case 4: "disconnect_with_will"
                case 0x10: "no_matching_subscribers"
                case 0x11: "no_subscription_existed"
                case 0x18: "continue_authentication"
                case 0x19: "reauthenticate"
                default: "reason_\(TLSNames.hex(Int(code)))"
                }
            return MessageStatus(.success, code: name)
        }
        if !v5 { return MessageStatus(.clientError, code: "failure") }
        switch code {
        case 0x86: return MessageStatus(.authenticationFailure, code: "bad_username_or_password")
        case 0x87: return MessageStatus(.authenticationFailure, code: "not_authorized")
        case 0x8C: return MessageStatus(.authenticationFailure, code: "bad_authentication_method")
        case 0x80: return MessageStatus(.serverError, code: "unspecified_error")
        case 0x83: return MessageStatus(.serverError, code: "implementation_specific_error")
        case 0x88: return MessageStatus(.serverError, code: "server_unavailable")
        case 0x89: return MessageStatus(.serverError, code: "server_busy")
        case 0x8B: return MessageStatus(.serverError, code: "server_shutting_down")
        case 0x97: return MessageStatus(.serverError, code: "quota_exceeded")
        case 0x9F: return MessageStatus(.serverError, code: "connection_rate_exceeded")
        case 0x81: return MessageStatus(.clientError, code: "malformed_packet")
        case 0x82: return MessageStatus(.clientError, code: "protocol_error")
        case 0x84: return MessageStatus(.clientError, code: "unsupported_protocol_version")
        case 0x85: return MessageStatus(.clientError, code: "client_identifier_not_valid")
        case 0x8F: return MessageStatus(.clientError, code: "topic_filter_invalid")
        case 0x90: return MessageStatus(.clientError, code: "topic_name_invalid")
        case 0x91: return MessageStatus(.clientError, code: "packet_identifier_in_use")
        case 0x92: return MessageStatus(.clientError, code: "packet_identifier_not_found")
        case 0x95: return MessageStatus(.clientError, code: "packet_too_large")
        case 0x99: return MessageStatus(.clientError, code: "payload_format_invalid")
        case 0x9A: return MessageStatus(.clientError, code: "retain_not_supported")
        case 0x9B: return MessageStatus(.clientError, code: "qos_not_supported")
        case 0x9E: return MessageStatus(.clientError, code: "shared_subscriptions_not_supported")
        case 0xA1: return MessageStatus(.clientError, code: "subscription_identifiers_not_supported")
        case 0xA2: return MessageStatus(.clientError, code: "wildcard_subscriptions_not_supported")
        default: return MessageStatus(.clientError, code: "reason_\(TLSNames.hex(Int(code)))")
        }
    }
}
