import InterposeCapture
import InterposeCore
import InterposeReader
import NIOCore

/// Turns the frames a `CaptureReader` rebuilds from a capture back into capture records, so a test
/// can write the same conversations again through a fresh `CaptureSink`, with TLS key-log lines.
struct FrameRecordCollector: FrameConsumer {
    /// Where each connection's key-log lines go.
    enum KeyLogPlacement {
        /// Right after the TCP handshake, before the ClientHello.
        case afterConnect
        /// After the first bytes from the server (its TLS flight with the ServerHello).
        case afterServerHello
    }

    /// The records, in capture order.
    private(set) var records: [CaptureRecord] = []
    /// Key-log lines to record for each connection; `nil` records none.
    private let keyLog: ByteBuffer?
    private let placement: KeyLogPlacement
    private var keysPending: Set<ConnectionID> = []
    private var closed: Set<ConnectionID> = []

    init(keyLog: ByteBuffer?, placement: KeyLogPlacement = .afterConnect) {
        self.keyLog = keyLog
        self.placement = placement
    }

    mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        records.append(
            .clientConnected(
                connection.id, client: connection.client, listener: connection.server, at: timestamp, comment: ""))
        guard let keyLog else { return }
        switch placement {
        case .afterConnect: records.append(.tlsKeyLog(connection.id, keyLog))
        case .afterServerHello: keysPending.insert(connection.id)
        }
    }

    mutating func consume(_ frame: Frame) {
        let id = frame.connection
        switch frame.event {
        case .data(let bytes):
            records.append(.data(id, frame.direction, bytes, at: frame.timestamp))
            if frame.direction == .serverToClient, let keyLog, keysPending.remove(id) != nil {
                records.append(.tlsKeyLog(id, keyLog))
            }
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
