/// When a live capture stops by itself (besides a `LiveCaptureStop` request).
public struct LiveCaptureLimits: Sendable, Hashable {
    /// Stop after this many seconds; `nil` for no limit.
    public var duration: Double?
    /// Stop after this many packets (that passed the filter); `nil` for no limit.
    public var packetCount: Int?

    /// Limits from their parts.
    public init(duration: Double? = nil, packetCount: Int? = nil) {
        self.duration = duration
        self.packetCount = packetCount
    }
}
