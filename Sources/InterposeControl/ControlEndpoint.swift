import InterposeCapture
import InterposeCore

/// Where the control API listens and what it asks of callers.
///
/// On a loopback address (`127.0.0.0/8`, `::1`, `localhost`) it is open to local processes, as
/// Toxiproxy's is; on any other address it needs a token, sent as `Authorization: Bearer TOKEN`.
public struct ControlEndpoint: Sendable, Equatable {
    /// The address to bind (`127.0.0.1:8474`, Toxiproxy's port, by default).
    public var address: HostPort
    /// The bearer token every request must carry; `nil`: none (loopback only).
    public var token: String?

    /// An endpoint.
    public init(address: HostPort = HostPort(host: "127.0.0.1", port: 8474), token: String? = nil) {
        self.address = address
        self.token = token
    }

    /// Whether the address is reachable only from this host.
    public var isLoopback: Bool {
        let host = address.host.lowercased()
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Refuses an endpoint reachable from other hosts without a token, and an empty token.
    /// - Throws: `ControlStartError` with one line saying what to add.
    public func validate() throws(ControlStartError) {
        if let token, token.isEmpty || token.contains(where: { $0.isWhitespace }) {
            throw ControlStartError("--control-token must be non-empty and without spaces")
        }
        if token == nil && !isLoopback {
            throw ControlStartError(
                "the control API on \(address) would be reachable from other hosts: give --control-token TOKEN "
                    + "(clients send 'Authorization: Bearer TOKEN'), or bind it to 127.0.0.1")
        }
    }
}
