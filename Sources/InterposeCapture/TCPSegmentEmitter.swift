import InterposeCore

/// Receives the segments a `CaptureConversation` synthesizes: the pcapng encoder, or a test recorder.
protocol TCPSegmentEmitter: AnyObject {
    /// Records one segment with its payload, an optional packet comment and its timestamp.
    func emit(_ segment: TCPSegment, payload: UnsafeRawBufferPointer, comment: String?, at timestamp: Timestamp)
}
