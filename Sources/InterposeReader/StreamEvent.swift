import InterposeCapture
import InterposeCore
import NIOCore

/// What one direction's reassembly produced for one input: turned into frames and findings by
/// `TCPConnectionTracker`.
enum StreamEvent {
    /// Why a hole was declared.
    enum GapReason: Sendable, Hashable {
        /// The receiver acknowledged bytes the capture never saw, or the capture ended first.
        case lost
        /// The snap length cut them from a packet that was captured.
        case notCaptured
        /// The out-of-order buffer was full.
        case outOfOrderLimit
    }

    /// In-order payload.
    case data(ByteBuffer, Timestamp, packet: Int)
    /// A hole of `size` bytes at stream offset `offset`.
    case gap(size: Int, offset: Int64, reason: GapReason, Timestamp, packet: Int)
    /// The FIN, in order.
    case finish(Timestamp, packet: Int)
    /// A retransmitted range whose bytes differ from the first copy (which was kept).
    case overlapMismatch(offset: Int64, length: Int, Timestamp, packet: Int)
}
