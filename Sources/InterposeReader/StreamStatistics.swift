/// What reassembly saw in one direction of one TCP conversation.
public struct StreamStatistics: Sendable, Hashable {
    /// Unique payload bytes delivered in order (retransmitted copies counted once, gaps not at all).
    public var bytes: Int64 = 0
    /// `.data` frames delivered.
    public var dataFrames = 0
    /// Holes in the stream (each a `.gap` frame).
    public var gaps = 0
    /// Bytes in those holes.
    public var gapBytes: Int64 = 0
    /// Of the gap bytes, those the snap length cut from packets that were captured.
    public var snaplenCutBytes: Int64 = 0
    /// Segments that carried bytes already delivered (whole or in part).
    public var retransmissions = 0
    /// Bytes in those segments that had already been delivered.
    public var retransmittedBytes: Int64 = 0
    /// Retransmitted ranges whose bytes differ from the first copy.
    public var overlapMismatches = 0
    /// Retransmitted ranges that could not be compared (the first copy was no longer held).
    public var unverifiedRetransmissions = 0
    /// Segments that arrived ahead of a hole and waited for it.
    public var outOfOrderSegments = 0
    /// Times the out-of-order buffer hit its cap and a hole was declared a gap early.
    public var outOfOrderLimitHits = 0
    /// TCP keep-alive probes (one byte, one behind the next expected).
    public var keepAlives = 0
    /// Segments with payload after the FIN (ignored).
    public var dataAfterFinish = 0

    /// Empty statistics.
    public init() {}
}
