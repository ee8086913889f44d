import InterposeCore
import NIOCore

/// The writer thread's side of a `CaptureSink`: turns queued items into packets through the
/// per-connection TCP state, decides when to flush and rotate, and keeps the counters.
///
/// TLS key-log lines go into the current file as Decryption Secrets Blocks where their record falls,
/// and only there. They are not repeated into rotated files: Wireshark uses a key only when its
/// block comes before the connection's ServerHello in the same file, and a connection that continues
/// in a later file left its handshake in the earlier one, with the keys (`mergecap` keeps both).
final class CaptureFileWriter {
    /// Counters the writer keeps (the sink adds its own drop counts).
    struct Counters {
        var recordsWritten = 0
        var payloadBytesRecorded = 0
        var droppedRecords = 0
        var droppedBytes = 0
    }

    let output: CaptureFileOutput
    private let recordUpstreamLeg: Bool
    private let rotateSizeBytes: Int?
    private var conversations: [ConnectionID: CaptureConversation] = [:]
    private(set) var counters = Counters()
    /// Whether a connection closed since the last flush: its end must reach the file promptly.
    private(set) var closedSinceFlush = false

    /// A writer over an open capture output.
    init(output: CaptureFileOutput, recordUpstreamLeg: Bool, rotateSizeBytes: Int?) {
        self.output = output
        self.recordUpstreamLeg = recordUpstreamLeg
        self.rotateSizeBytes = rotateSizeBytes
    }

    /// Writes one queued item; after a write error, counts it as dropped instead.
    func write(_ item: CaptureQueueItem) {
        guard !output.failed else {
            if case .record(let record) = item {
                counters.droppedRecords += 1
                if case .data(_, _, let payload, _) = record { counters.droppedBytes += payload.readableBytes }
            }
            return
        }
        switch item {
        case .record(let record):
            write(record)
        case .loss(let id, let direction, let records, let bytes):
            output.noteLoss(records: records, bytes: bytes)
            conversations[id]?.skip(bytes, direction: direction)
        }
        if let limit = rotateSizeBytes, output.currentFileSize >= limit {
            output.rotate()
        }
    }

    private func write(_ record: CaptureRecord) {
        counters.recordsWritten += 1
        switch record {
        case .clientConnected(let id, let client, let listener, let timestamp, let comment):
            conversations[id] = CaptureConversation(
                client: client, listener: listener, comment: comment.isEmpty ? nil : comment, at: timestamp,
                into: output)
        case .upstreamConnected(let id, let local, let upstream, let timestamp):
            guard recordUpstreamLeg else { return }
            conversations[id]?.upstreamConnected(local: local, upstream: upstream, at: timestamp, into: output)
        case .data(let id, let direction, let payload, let timestamp):
            guard conversations[id] != nil else { return }
            counters.payloadBytesRecorded += payload.readableBytes
            conversations[id]!.send(payload, direction: direction, at: timestamp, into: output)
        case .finish(let id, let direction, let timestamp):
            conversations[id]?.finish(direction, at: timestamp, into: output)
        case .note(let id, let direction, let text):
            conversations[id]?.note(text, from: direction)
        case .tlsKeyLog(_, let payload):
            guard payload.readableBytes > 0 else { return }
            var lines = Array(payload.readableBytesView)
            // Key-log files are lines: end the last one, as SSLKEYLOGFILE writers do.
            if lines.last != UInt8(ascii: "\n") { lines.append(UInt8(ascii: "\n")) }
            lines.withUnsafeBytes { output.appendDecryptionSecrets(type: Pcapng.secretsTypeTLSKeyLog, secrets: $0) }
        case .closed(let id, let end, let timestamp, let comment):
            conversations.removeValue(forKey: id)?.closeAndDiscard(
                end, comment: comment.isEmpty ? nil : comment, at: timestamp, into: output)
            closedSinceFlush = true
        }
    }

    /// Writes the buffered packets to the file.
    func flush() {
        output.flush()
        closedSinceFlush = false
    }

    /// Completes the last file (statistics blocks reporting `totalLoss`) and closes it.
    func finish(totalLoss: (records: Int, bytes: Int)) {
        output.finishFile(totalLoss: totalLoss)
    }
}

extension CaptureConversation {
    /// Closes a conversation already removed from the table.
    fileprivate consuming func closeAndDiscard<E: TCPSegmentEmitter>(
        _ end: ConnectionEnd, comment: String?, at timestamp: Timestamp, into emitter: E
    ) {
        close(end, comment: comment, at: timestamp, into: emitter)
    }
}
