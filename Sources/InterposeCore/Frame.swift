import NIOCore

/// One chunk of bytes seen on one connection in one direction at one instant, or a connection event.
///
/// The unit of the pipeline (docs/DESIGN.md): the live proxy makes one for each socket read, and the
/// offline reader one for each reassembled TCP segment. Dissectors and checks consume frames and
/// cannot tell which source they came from.
public struct Frame: Sendable {
    /// What happened.
    public enum Event: Sendable {
        /// The connection was established (the handshake completed, or the first packet of a
        /// connection already under way was seen).
        case open
        /// Payload bytes, in order, with nothing missing before them.
        case data(ByteBuffer)
        /// Bytes that were never seen: a hole in the stream of this direction, with its size.
        /// Never glued over: the next `.data` follows the hole.
        case gap(Int)
        /// The sender of this direction half-closed (FIN).
        case finish
        /// The sender of this direction reset the connection (RST).
        case reset
        /// The connection could not be established; the reason in words.
        case connectFailed(String)
        /// The connection ended; no frame follows for it.
        case close
    }

    /// The connection the frame belongs to.
    public var connection: ConnectionID
    /// The direction the bytes (or the event) travelled.
    public var direction: Direction
    /// When it was seen.
    public var timestamp: Timestamp
    /// What was seen.
    public var event: Event
    /// The capture packet (1-based, in file order) that completed it, when it came from a file.
    public var packet: Int?

    /// A frame from its parts.
    public init(connection: ConnectionID, direction: Direction, timestamp: Timestamp, event: Event, packet: Int? = nil)
    {
        self.connection = connection
        self.direction = direction
        self.timestamp = timestamp
        self.event = event
        self.packet = packet
    }
}
