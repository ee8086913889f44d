import InterposeProtocols

extension ApplicationProtocol {
    /// What a replay offers by ALPN to reach the same protocol over TLS: `h2` for HTTP/2, `http/1.1`
    /// for HTTP/1, nothing for the rest.
    var alpnIdentifiers: [String] {
        switch self {
        case .http2: return ["h2"]
        case .http1: return ["http/1.1"]
        default: return []
        }
    }
}
