import NIOSSL

/// Turns the TLS library's description of a failed handshake (BoringSSL's error queue, as
/// swift-nio-ssl prints it: `error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED
/// at .../handshake.cc:320`) into words a user can act on.
///
/// swift-nio-ssl exposes the queue only as text, so this reads the reason codes out of it.
public enum TLSFailureDescription {
    /// What each reason code means for someone intercepting a connection.
    static let meanings: [String: String] = [
        "CERTIFICATE_VERIFY_FAILED":
            "the certificate was not accepted (not signed by a trusted CA, expired, or issued for another name)",
        "TLSV1_ALERT_UNKNOWN_CA": "the peer does not trust the certificate's CA (alert unknown_ca)",
        "SSLV3_ALERT_BAD_CERTIFICATE": "the peer rejected the certificate (alert bad_certificate)",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN": "the peer does not trust the certificate (alert certificate_unknown)",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED": "the peer says the certificate has expired (alert certificate_expired)",
        "TLSV1_ALERT_ACCESS_DENIED": "the peer denied access (alert access_denied)",
        "SSLV3_ALERT_HANDSHAKE_FAILURE": "the peer found no acceptable parameters (alert handshake_failure)",
        "TLSV1_ALERT_PROTOCOL_VERSION": "no TLS version in common (alert protocol_version)",
        "TLSV1_ALERT_NO_APPLICATION_PROTOCOL": "no ALPN protocol in common (alert no_application_protocol)",
        "UNSUPPORTED_PROTOCOL": "no TLS version in common",
        "NO_SHARED_CIPHER": "no cipher suite in common",
        "WRONG_VERSION_NUMBER": "the peer does not speak TLS",
        "HTTP_REQUEST": "the peer sent plain HTTP, not TLS",
        "BAD_PACKET_LENGTH":
            "the peer aborted the handshake with a record the handshake keys do not decrypt: OpenSSL-based clients "
            + "send their alert unencrypted when they reject the certificate in TLS 1.3, so most likely it does not "
            + "trust the certificate",
        "eofDuringHandshake": "the peer closed the connection during the handshake",
    ]

    /// One line for a failed handshake: the reason inside swift-nio-ssl's `handshakeFailed`, or the
    /// error itself.
    public static func describe(_ error: Error) -> String {
        if let error = error as? NIOSSLError, case .handshakeFailed(let inner) = error {
            return describe(libraryText: "\(inner)")
        }
        return describe(libraryText: "\(error)")
    }

    /// One line for a failed handshake.
    /// - Parameter libraryText: the error as swift-nio-ssl describes it.
    /// - Returns: the meaning of the first reason code known, with the code; else the codes found; else
    ///   the text itself.
    public static func describe(libraryText: String) -> String {
        let codes = reasonCodes(in: libraryText)
        if let known = codes.first(where: { meanings[$0] != nil }) {
            return "\(meanings[known]!) [\(known)]"
        }
        if !codes.isEmpty { return codes.joined(separator: ", ") }
        return libraryText
    }

    /// The reason codes in BoringSSL's error text: the word after `OPENSSL_internal:`, and
    /// swift-nio-ssl's own synthetic ones (`eofDuringHandshake`).
    static func reasonCodes(in text: String) -> [String] {
        var codes: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: "OPENSSL_internal:") {
            let tail = rest[range.upperBound...]
            let code = tail.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            if !code.isEmpty { codes.append(String(code)) }
            rest = tail
        }
        for synthetic in ["eofDuringHandshake", "eofDuringAdditionalCertficiateChainValidation"]
        where text.contains(synthetic) {
            codes.append(synthetic == "eofDuringHandshake" ? synthetic : "eofDuringHandshake")
        }
        return codes
    }
}
