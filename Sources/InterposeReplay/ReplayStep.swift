import NIOCore

/// One write of a replayed conversation: client bytes, when the recording sent them, and what the
/// client had received before it did (so a replay waits for the same replies, and pipelines where
/// the recording pipelined).
public struct ReplayStep: Sendable {
    /// The client bytes to send in one write. Consecutive recorded segments are joined when nothing
    /// arrived between them and they were less than `ReplayPlanner.joinWithin` apart, so a message
    /// that TCP split is sent whole.
    public var bytes: ByteBuffer
    /// When the recording sent them, in nanoseconds since the conversation began.
    public var offset: Int64
    /// How many responses the client had received when it sent them.
    public var awaitResponses: Int
    /// How many bytes the server had sent by then (what a raw stream waits for).
    public var awaitServerBytes: Int64
    /// When the last of those was received, in nanoseconds since the conversation began: the
    /// client's think time is `offset - awaitedAt`.
    public var awaitedAt: Int64
    /// The correlations whose values this write sends back (`ReplayPlan.correlations` ids): before
    /// it is sent, each recorded value is replaced by the one the replayed server handed out.
    public var correlations: [Int] = []

    /// A step from its parts.
    public init(bytes: ByteBuffer, offset: Int64, awaitResponses: Int, awaitServerBytes: Int64, awaitedAt: Int64) {
        self.bytes = bytes
        self.offset = offset
        self.awaitResponses = awaitResponses
        self.awaitServerBytes = awaitServerBytes
        self.awaitedAt = awaitedAt
    }
}
