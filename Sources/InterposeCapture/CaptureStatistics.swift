import InterposeCore

/// Counters a `CaptureSink` keeps about what it wrote and what it lost.
///
/// Printed in the proxy's exit summary: `droppedRecords` and `droppedBytes` are the loss counters
/// that make loss visible (docs/DESIGN.md: never silent loss).
public struct CaptureStatistics: Sendable, Equatable {
    /// Records (connection events and data reads) turned into packets.
    public var recordsWritten: Int
    /// Enhanced Packet Blocks written, on all interfaces and files.
    public var packetsWritten: Int
    /// Payload bytes recorded (each byte counted once, even when mirrored onto the upstream leg).
    public var payloadBytesRecorded: Int
    /// Records the sink could not record: queue overflow under `.drop`, after a write error or after close.
    public var droppedRecords: Int
    /// Payload bytes in the dropped records.
    public var droppedBytes: Int
    /// Bytes written to capture files (all files together).
    public var fileBytesWritten: Int
    /// Every capture file written, in order: the configured path, then `NAME.1.pcapng`... after rotation.
    public var files: [String]
    /// The first write error, in words; `nil` while writing works.
    public var writeError: String?

    /// Statistics from their parts; every counter defaults to zero.
    public init(
        recordsWritten: Int = 0, packetsWritten: Int = 0, payloadBytesRecorded: Int = 0, droppedRecords: Int = 0,
        droppedBytes: Int = 0, fileBytesWritten: Int = 0, files: [String] = [], writeError: String? = nil
    ) {
        self.recordsWritten = recordsWritten
        self.packetsWritten = packetsWritten
        self.payloadBytesRecorded = payloadBytesRecorded
        self.droppedRecords = droppedRecords
        self.droppedBytes = droppedBytes
        self.fileBytesWritten = fileBytesWritten
        self.files = files
        self.writeError = writeError
    }
}
