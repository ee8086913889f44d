import InterposeCore

/// What the sink queues for its writer thread: a record, or a note that data was dropped.
enum CaptureQueueItem: Sendable {
    /// A record to write.
    case record(CaptureRecord)
    /// `records` data records of `bytes` bytes in `direction` were dropped before the next record of
    /// the connection: its sequence numbers skip them and a comment says so.
    case loss(ConnectionID, Direction, records: Int, bytes: Int)
}
