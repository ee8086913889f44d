import InterposeCapture
import InterposeCore

/// What the reader knows about one TCP conversation when it ends: who, how it ended, how much.
///
/// Handed to `FrameConsumer.connectionClosed(_:)` after the conversation's last frame.
public struct ConnectionSummary: Sendable, Hashable {
    /// The conversation and its client and server.
    public var descriptor: ConnectionDescriptor
    /// How it ended.
    public var state: ConnectionState
    /// The first packet's timestamp.
    public var start: Timestamp
    /// The last packet's timestamp.
    public var end: Timestamp
    /// The packet number (1-based, in file order) of its first packet.
    public var firstPacket: Int
    /// Client-to-server reassembly counters.
    public var toServer: StreamStatistics
    /// Server-to-client reassembly counters.
    public var toClient: StreamStatistics
    /// TCP packets from the client.
    public var packetsToServer: Int
    /// TCP packets from the server.
    public var packetsToClient: Int
    /// Whether client and server were guessed from the ports (no SYN or SYN-ACK was seen).
    public var rolesGuessed: Bool
    /// Whether the client's SYN was seen.
    public var sawSyn: Bool
    /// Whether the server's SYN-ACK was seen.
    public var sawSynAck: Bool
    /// The side that sent the RST, when `state` is `reset`.
    public var resetBy: Direction?

    /// The connection's identifier.
    public var id: ConnectionID { descriptor.id }

    /// A summary from its parts.
    public init(
        descriptor: ConnectionDescriptor, state: ConnectionState, start: Timestamp, end: Timestamp, firstPacket: Int,
        toServer: StreamStatistics, toClient: StreamStatistics, packetsToServer: Int, packetsToClient: Int,
        rolesGuessed: Bool, sawSyn: Bool, sawSynAck: Bool, resetBy: Direction?
    ) {
        self.descriptor = descriptor
        self.state = state
        self.start = start
        self.end = end
        self.firstPacket = firstPacket
        self.toServer = toServer
        self.toClient = toClient
        self.packetsToServer = packetsToServer
        self.packetsToClient = packetsToClient
        self.rolesGuessed = rolesGuessed
        self.sawSyn = sawSyn
        self.sawSynAck = sawSynAck
        self.resetBy = resetBy
    }
}
