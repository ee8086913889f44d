import InterposeCapture
import InterposeReader
import NIOCore

/// Turns the frames a `CaptureReader` rebuilds from a capture back into capture records, so a test
/// can write the same conversations again through a fresh `CaptureSink`, with TLS key-log lines
/// recorded right after each connection's handshake.
struct FrameRecordCollector: FrameConsumer {
    /// The records, in capture order.
    private(set) var records: [CaptureRecord] = []
    /// Key-log lines to record after each connection opens; `nil` records none.
    private let keyLog: ByteBuffer?
    private var closed: Set<ConnectionID> = []

    init(keyLog: ByteBuffer?) {
        self.keyLog = keyLog
    }

    mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        records.append(
            .clientConnected(
                connection.id, client: connection.client, listener: connection.server, at: timestamp, comment: ""))
        if let keyLog { records.append(.tlsKeyLog(connection.id, keyLog)) }
    }

    mutating func consume(_ frame: Frame) {
        let id = frame.connection
        switch frame.event {
        case .data(let bytes):
            records.append(.data(id, frame.direction, bytes, at: frame.timestamp))
        case .finish:
            records.append(.finish(id, frame.direction, at: frame.timestamp))
        case .reset:
            guard closed.insert(id).inserted else { return }
            records.append(.closed(id, .reset(by: frame.direction), at: frame.timestamp, comment: ""))
        case .close:
            guard closed.insert(id).inserted else { return }
            records.append(.closed(id, .graceful, at: frame.timestamp, comment: ""))
        case .open, .gap, .connectFailed:
            break
        }
    }
}
