import InterposeCapture
import InterposeCore
import InterposeReader
import NIOCore

/// A `FrameConsumer` that keeps everything it is given, for assertions.
struct RecordingConsumer: FrameConsumer {
    var opened: [ConnectionDescriptor] = []
    var frames: [Frame] = []
    var summaries: [ConnectionSummary] = []
    var findings: [Finding] = []

    mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        opened.append(connection)
    }

    mutating func consume(_ frame: Frame) {
        frames.append(frame)
    }

    mutating func connectionClosed(_ summary: ConnectionSummary) {
        summaries.append(summary)
    }

    mutating func report(_ finding: Finding) {
        findings.append(finding)
    }

    /// The bytes delivered on a connection in one direction, gaps as `nil` runs skipped.
    func bytes(_ connection: ConnectionID, _ direction: Direction) -> [UInt8] {
        var out: [UInt8] = []
        for frame in frames where frame.connection == connection && frame.direction == direction {
            if case .data(let buffer) = frame.event { out += buffer.readableBytesView }
        }
        return out
    }

    /// The events of a connection in one direction, as short words (`data:5`, `gap:3`, `finish`).
    func events(_ connection: ConnectionID, _ direction: Direction) -> [String] {
        frames.filter { $0.connection == connection && $0.direction == direction }.map { frame in
            switch frame.event {
            case .open: return "open"
            case .data(let buffer): return "data:\(buffer.readableBytes)"
            case .gap(let size): return "gap:\(size)"
            case .finish: return "finish"
            case .reset: return "reset"
            case .connectFailed: return "failed"
            case .close: return "close"
            }
        }
    }

    /// Finding codes, in order.
    var codes: [String] { findings.map(\.code) }
}
