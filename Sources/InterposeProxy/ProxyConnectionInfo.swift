import InterposeCapture
import InterposeCore

/// One open connection of a proxy as the control API lists it: who the client is, where it is
/// forwarded and since when.
public struct ProxyConnectionInfo: Sendable, Hashable {
    /// The connection's number within its proxy (as in the capture and the log).
    public var id: ConnectionID
    /// The client's address, when the socket still had one at accept.
    public var client: Endpoint?
    /// The service it is forwarded to.
    public var upstream: HostPort
    /// When it was accepted, on the capture clock.
    public var openedAt: Timestamp

    /// A connection's description.
    public init(id: ConnectionID, client: Endpoint?, upstream: HostPort, openedAt: Timestamp) {
        self.id = id
        self.client = client
        self.upstream = upstream
        self.openedAt = openedAt
    }
}
