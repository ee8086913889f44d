import InterposeCapture
import InterposeCore

/// The two channels of a proxied connection.
enum ProxySide: Sendable {
    /// The connection a client opened to the proxy.
    case client
    /// The connection the proxy opened to the upstream.
    case upstream

    /// The direction of bytes read on this side.
    var readDirection: Direction { self == .client ? .clientToServer : .serverToClient }

    /// The other side.
    var other: ProxySide { self == .client ? .upstream : .client }
}
