/// Names for the numbers of TLS (RFC 8446, RFC 5246 and the IANA registries): versions, the
/// common cipher suites, alerts with a short explanation a person can act on.
enum TLSNames {
    /// `TLS 1.2`, `SSL 3.0`, or `0x7f1c` for anything else (drafts, DTLS).
    static func version(_ value: Int) -> String {
        switch value {
        case 0x0300: return "SSL 3.0"
        case 0x0301: return "TLS 1.0"
        case 0x0302: return "TLS 1.1"
        case 0x0303: return "TLS 1.2"
        case 0x0304: return "TLS 1.3"
        default: return hex(value)
        }
    }

    /// Whether a 16-bit value is a GREASE placeholder (RFC 8701: `0x?a?a`, both bytes equal).
    static func isGREASE(_ value: Int) -> Bool {
        value & 0x0F0F == 0x0A0A && value >> 8 == value & 0xFF
    }

    /// `0x1301`.
    static func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `0x1301 TLS_AES_128_GCM_SHA256`, or just the hex value for suites not listed.
    static func cipherSuite(_ value: Int) -> String {
        let name: String? =
            switch value {
            case 0x1301: "TLS_AES_128_GCM_SHA256"
            case 0x1302: "TLS_AES_256_GCM_SHA384"
            case 0x1303: "TLS_CHACHA20_POLY1305_SHA256"
            case 0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
            case 0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
            case 0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
            case 0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
            case 0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
            case 0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
            case 0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
            case 0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
            case 0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256"
            case 0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384"
            case 0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA"
            case 0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA"
            case 0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"
            case 0x009F: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"
            default: nil
            }
        return name.map { "\(hex(value)) \($0)" } ?? hex(value)
    }

    /// The alert description's name (`handshake_failure`), or `alert_N`.
    static func alert(_ value: UInt8) -> String {
        switch value {
        case 0: return "close_notify"
        case 10: return "unexpected_message"
        case 20: return "bad_record_mac"
        case 21: return "decryption_failed"
        case 22: return "record_overflow"
        case 40: return "handshake_failure"
        case 41: return "no_certificate"
        case 42: return "bad_certificate"
        case 43: return "unsupported_certificate"
        case 44: return "certificate_revoked"
        case 45: return "certificate_expired"
        case 46: return "certificate_unknown"
        case 47: return "illegal_parameter"
        case 48: return "unknown_ca"
        case 49: return "access_denied"
        case 50: return "decode_error"
        case 51: return "decrypt_error"
        case 70: return "protocol_version"
        case 71: return "insufficient_security"
        case 80: return "internal_error"
        case 86: return "inappropriate_fallback"
        case 90: return "user_canceled"
        case 100: return "no_renegotiation"
        case 109: return "missing_extension"
        case 110: return "unsupported_extension"
        case 112: return "unrecognized_name"
        case 113: return "bad_certificate_status_response"
        case 115: return "unknown_psk_identity"
        case 116: return "certificate_required"
        case 120: return "no_application_protocol"
        default: return "alert_\(value)"
        }
    }

    /// A few words on what usually causes the alert, or `nil`.
    static func explanation(_ value: UInt8) -> String? {
        switch value {
        case 0: return "orderly close"
        case 10: return "a message arrived that the handshake did not expect"
        case 20: return "a record failed its integrity check (corruption or a middlebox rewriting bytes)"
        case 40: return "no cipher suite or version in common"
        case 42: return "the certificate was rejected"
        case 43: return "the certificate's type or key is not supported"
        case 44: return "the certificate was revoked"
        case 45: return "the certificate has expired (or the peer's clock is wrong)"
        case 46: return "the certificate was rejected for an unspecified reason"
        case 47: return "a handshake field had a value out of range"
        case 48: return "the certificate is not signed by a trusted CA (missing intermediate or self-signed)"
        case 49: return "the peer is not allowed to connect"
        case 50: return "a handshake message could not be decoded"
        case 51: return "a signature or Finished check failed (wrong key or tampering)"
        case 70: return "the protocol version offered is not supported"
        case 71: return "the cipher suites offered are too weak for the peer"
        case 80: return "the peer failed internally"
        case 86: return "a downgrade was detected"
        case 90: return "the handshake was canceled"
        case 109: return "a required extension was missing"
        case 112: return "the server name (SNI) is not served here"
        case 116: return "a client certificate is required"
        case 120: return "no application protocol (ALPN) in common"
        default: return nil
        }
    }

    /// The outcome an alert reports. Certificate and access problems are authentication failures;
    /// otherwise the side that sent the alert rejected the other side's part: a server's alert
    /// blames the client's offer, a client's alert blames the server, except `internal_error`,
    /// which is a failure of its sender.
    static func outcome(of value: UInt8, sentByServer: Bool) -> MessageStatus.Outcome {
        switch value {
        case 0, 90, 100: return .success
        case 41, 42, 43, 44, 45, 46, 48, 49, 115, 116: return .authenticationFailure
        case 80: return sentByServer ? .serverError : .clientError
        default: return sentByServer ? .clientError : .serverError
        }
    }

    /// `ClientHello`, `Certificate`... for the handshake message types.
    static func handshake(_ type: UInt8) -> String {
        TLSHandshakeType(rawValue: type)?.name ?? "handshake_\(type)"
    }
}
