/// Who talked on a connection: the endpoints as the client saw them.
///
/// For the live proxy, `client` is the peer that connected and `server` the listening address it
/// connected to; for the offline reader they are the two ends of the TCP conversation.
public struct ConnectionDescriptor: Hashable, Sendable {
    /// The connection.
    public var id: ConnectionID
    /// The side that opened the connection.
    public var client: Endpoint
    /// The side that accepted it.
    public var server: Endpoint

    /// A descriptor from its parts.
    public init(id: ConnectionID, client: Endpoint, server: Endpoint) {
        self.id = id
        self.client = client
        self.server = server
    }
}
