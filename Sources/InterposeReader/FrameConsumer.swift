import InterposeCapture
import InterposeCore

/// Receives what the reader rebuilds from a capture, in capture order: the pipeline's frames.
///
/// For each conversation: `connectionOpened(_:at:)`, then frames (an `.open` first, then `.data`,
/// `.gap`, `.finish` and `.reset` per direction as they become known, a `.close` last), then
/// `connectionClosed(_:)` with its summary. Frames of different conversations interleave as their
/// packets do. Findings arrive as they are found; those about a conversation come before its summary.
/// A protocol dissector needs only `consume(_:)`; the others have empty defaults.
///
/// ```swift
/// struct ByteCounter: FrameConsumer {
///     var bytes = 0
///     mutating func consume(_ frame: Frame) {
///         if case .data(let buffer) = frame.event { bytes += buffer.readableBytes }
///     }
/// }
/// var counter = ByteCounter()
/// let reader = try CaptureReader(path: "capture.pcapng")
/// let statistics = reader.read(into: &counter)
/// ```
public protocol FrameConsumer {
    /// A conversation was first seen; its frames follow.
    mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp)
    /// One frame of a conversation.
    mutating func consume(_ frame: Frame)
    /// A conversation ended (or the capture did); no frame of it follows.
    mutating func connectionClosed(_ summary: ConnectionSummary)
    /// A problem found while reading.
    mutating func report(_ finding: Finding)
}

extension FrameConsumer {
    /// Does nothing.
    public mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {}
    /// Does nothing.
    public mutating func connectionClosed(_ summary: ConnectionSummary) {}
    /// Does nothing.
    public mutating func report(_ finding: Finding) {}
}
