/// What a finished live capture counted.
public struct LiveCaptureResult: Sendable, Hashable {
    /// The packets read and what they were, as for a file.
    public var statistics: CaptureReadStatistics
    /// What was lost.
    public var drops: LiveCaptureDrops
}
