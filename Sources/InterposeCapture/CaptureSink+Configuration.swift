import InterposeCore

extension CaptureSink {
    /// Where and how a `CaptureSink` writes.
    ///
    /// ```swift
    /// var configuration = CaptureSink.Configuration(path: "/tmp/redis.pcapng")
    /// configuration.recordUpstreamLeg = true
    /// configuration.rotateSizeBytes = 1 << 30
    /// let sink = try CaptureSink(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// The capture file; rotated files are named after it (`NAME.1.pcapng`, `NAME.2.pcapng`...).
        public var path: String
        /// Whether to record the proxy's own connection to the upstream as interface 1.
        /// Interface 0, the client leg, is always recorded.
        public var recordUpstreamLeg: Bool
        /// What to do when the writer falls behind and the queue reaches `queueLimitBytes`.
        public var overflow: OverflowPolicy
        /// The most payload bytes queued for the writer before `overflow` applies.
        public var queueLimitBytes: Int
        /// When a file grows past this many bytes, it is completed and a new file started; `nil` never rotates.
        public var rotateSizeBytes: Int?
        /// The longest time written packets wait in memory before they reach the file.
        public var flushIntervalNanoseconds: Int64
        /// The section header comment, e.g. `interpose proxy 127.0.0.1:7000 -> 127.0.0.1:6379`.
        public var sectionComment: String?
        /// Called once, from the writer thread, when writing the file first fails (a full disk), with
        /// the one-line reason: the proxy logs it when it happens, not only in the exit summary.
        public var onWriteError: (@Sendable (String) -> Void)?

        /// A configuration writing to `path`: client leg only, `.drop` on overflow, a 64 MiB queue,
        /// no rotation, flushed every second, no section comment, no write-error callback.
        public init(path: String) {
            self.path = path
            self.recordUpstreamLeg = false
            self.overflow = .drop
            self.queueLimitBytes = 64 << 20
            self.rotateSizeBytes = nil
            self.flushIntervalNanoseconds = 1_000_000_000
            self.sectionComment = nil
            self.onWriteError = nil
        }
    }

    /// What the sink does with data it cannot queue because the writer is behind.
    public enum OverflowPolicy: String, Sendable, CaseIterable {
        /// Keep forwarding, drop the data from the capture, count it and write a comment where it is missing.
        case drop
        /// Keep every byte: the proxy stops reading from its sockets while `CaptureSink.isOverLimit` is true.
        case block
    }
}
