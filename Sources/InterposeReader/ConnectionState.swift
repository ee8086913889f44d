/// How a TCP conversation stood when it ended or the capture did (docs/DESIGN.md's `state`).
public enum ConnectionState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Opened with a handshake, closed by FIN in both directions, nothing missing.
    case complete
    /// Ended by a RST.
    case reset
    /// One side sent FIN, the other did not before the capture ended.
    case halfClosed = "half_closed"
    /// Still open when the capture ended.
    case open
    /// The capture began mid-stream (no SYN or SYN-ACK seen) or bytes are missing (gaps).
    case incomplete

    /// The spelling in `--json` output and in the table.
    public var description: String { rawValue }
}
