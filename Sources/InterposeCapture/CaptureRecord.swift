import InterposeCore
import NIOCore

/// What a live source (the proxy, a replay) tells the capture sink, in order for each connection.
///
/// The sink turns these into a TCP conversation in pcapng: a handshake at `clientConnected`
/// (and on the upstream interface at `upstreamConnected`), data segments with correct sequence and
/// acknowledgement numbers, FIN for `finish`, and FIN/ACK or RST at `closed`.
public enum CaptureRecord: Sendable {
    /// A client connected to a listener (the client leg's handshake).
    /// - `comment` goes on the SYN: listener name, upstream address and the like.
    case clientConnected(ConnectionID, client: Endpoint, listener: Endpoint, at: Timestamp, comment: String)
    /// The proxy's own connection to the upstream was established (the upstream leg's handshake).
    case upstreamConnected(ConnectionID, local: Endpoint, upstream: Endpoint, at: Timestamp)
    /// Bytes that crossed the proxy in one direction, as read from one socket.
    case data(ConnectionID, Direction, ByteBuffer, at: Timestamp)
    /// The sender of `Direction` half-closed its side (FIN).
    case finish(ConnectionID, Direction, at: Timestamp)
    /// The connection ended; `comment` (close reason, bytes each way) goes on its last packet.
    case closed(ConnectionID, ConnectionEnd, at: Timestamp, comment: String)
    /// A comment for the next packet the sender of `Direction` sends on the client leg (a finding
    /// about the data that follows, a fault that fired): the capture explains itself.
    case note(ConnectionID, Direction, String)
    /// TLS secrets learned on the connection: one or more complete NSS key-log lines
    /// (`CLIENT_RANDOM ...`, `CLIENT_HANDSHAKE_TRAFFIC_SECRET ...`, each ending in `"\n"`), as
    /// written to an `SSLKEYLOGFILE`.
    ///
    /// The sink writes them as a pcapng Decryption Secrets Block (secrets type `TLSK`) at this
    /// record's place in the file, so Wireshark and tshark decrypt the connection's recorded TLS
    /// bytes from the file alone. Wireshark uses a key only when its block comes before the packet
    /// carrying the connection's ServerHello (TLS 1.3 and tshark 4.0, even reading in two passes):
    /// submit the lines before the `.data` record of the server's first flight. Where the proxy
    /// reads that flight before it can derive the keys (it is the TLS client), hold the record back
    /// until the keys are submitted. Never dropped for a full queue (it is a control record); not
    /// repeated into rotated files.
    case tlsKeyLog(ConnectionID, ByteBuffer)

    /// The connection the record is about.
    public var connection: ConnectionID {
        switch self {
        case .clientConnected(let id, _, _, _, _), .upstreamConnected(let id, _, _, _), .data(let id, _, _, _),
            .finish(let id, _, _), .closed(let id, _, _, _), .note(let id, _, _), .tlsKeyLog(let id, _):
            return id
        }
    }
}

/// How a recorded connection ended.
public enum ConnectionEnd: Sendable, Hashable {
    /// Both sides closed (the FINs were recorded with `CaptureRecord.finish`); a last ACK closes it.
    case graceful
    /// The sender of the direction reset the connection (RST), or the proxy aborted it on that side.
    case reset(by: Direction)
}
