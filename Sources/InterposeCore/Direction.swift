/// Which way bytes travel on a connection.
///
/// The client is the side that opened the connection (sent the SYN); the server accepted it.
public enum Direction: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// From the client (the connecting side) to the server.
    case clientToServer = 0
    /// From the server (the accepting side) to the client.
    case serverToClient = 1

    /// The opposite direction.
    public var reversed: Direction { self == .clientToServer ? .serverToClient : .clientToServer }

    /// `client->server` or `server->client`.
    public var description: String { self == .clientToServer ? "client->server" : "server->client" }
}
