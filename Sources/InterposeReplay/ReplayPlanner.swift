import InterposeCapture
import InterposeProtocols
import InterposeReader
import NIOCore

/// The `FrameConsumer` that turns a capture into a `ReplayPlan`: per conversation, the recorded
/// exchanges (to compare with) and the client's writes with what the client had received before each.
///
/// What a write waits for is read off the capture's own order: a client segment waits for the
/// responses completed before it in the capture, so a client that waited for each answer waits in
/// the replay too, and one that pipelined pipelines.
public struct ReplayPlanner: FrameConsumer {
    /// Client segments closer together than this, with nothing received between them, are one write
    /// (a message TCP split), in nanoseconds.
    public static let joinWithin: Int64 = 200_000

    private struct Open {
        var recorder: ExchangeRecorder
        var start: Timestamp
        var steps: [ReplayStep] = []
        /// When the responses counted so far were complete, since `start`.
        var awaitedAt: Int64 = 0
        var lastResponses = 0
        var lastServerBytes: Int64 = 0
        var ending: ReplayEnding = .open
        var passwords = PostgresPasswordFilter()
    }

    private let forced: ApplicationProtocol?
    private let detector: ProtocolDetector
    private var open: [ConnectionID: Open] = [:]
    private var planned: [PlannedConversation] = []
    private var firstStart: Timestamp?

    /// A planner.
    /// - Parameters:
    ///   - forced: read every conversation as this protocol (`--protocol`).
    ///   - portHints: protocols by server port.
    public init(forced: ApplicationProtocol? = nil, portHints: [UInt16: ApplicationProtocol] = [:]) {
        self.forced = forced
        self.detector = ProtocolDetector(portHints: portHints)
    }

    /// Starts a conversation.
    public mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        if firstStart == nil || timestamp < firstStart! { firstStart = timestamp }
        open[connection.id] = Open(
            recorder: ExchangeRecorder(connection: connection, start: timestamp, forced: forced, detector: detector),
            start: timestamp)
    }

    /// Takes one frame: server bytes advance what later client writes wait for; client bytes become writes.
    public mutating func consume(_ frame: Frame) {
        guard var conversation = open.removeValue(forKey: frame.connection) else { return }
        defer { open[frame.connection] = conversation }
        let offset = frame.timestamp.nanosecondsSinceEpoch - conversation.start.nanosecondsSinceEpoch
        let before = (conversation.recorder.responses, conversation.recorder.serverBytes)
        conversation.recorder.consume(frame)
        switch (frame.direction, frame.event) {
        case (.serverToClient, .data):
            if conversation.recorder.responses != before.0 || conversation.recorder.application == .raw {
                conversation.awaitedAt = offset
            }
        case (.clientToServer, .data(var buffer)):
            if conversation.recorder.application == .postgres {
                buffer = conversation.passwords.filter(buffer)
                if buffer.readableBytes == 0 { break }
            }
            let responses = conversation.recorder.responses
            let serverBytes = conversation.recorder.serverBytes
            if var last = conversation.steps.last, last.awaitResponses == responses,
                last.awaitServerBytes == serverBytes, offset - last.offset < Self.joinWithin
            {
                var incoming = buffer
                last.bytes.writeBuffer(&incoming)
                conversation.steps[conversation.steps.count - 1] = last
            } else {
                conversation.steps.append(
                    ReplayStep(
                        bytes: buffer, offset: offset, awaitResponses: responses, awaitServerBytes: serverBytes,
                        awaitedAt: conversation.awaitedAt))
            }
        case (.clientToServer, .finish):
            if case .open = conversation.ending {
                conversation.ending = .clientFinish(
                    offset: offset, responses: conversation.recorder.responses,
                    serverBytes: conversation.recorder.serverBytes)
            }
        case (.clientToServer, .reset):
            if case .open = conversation.ending {
                conversation.ending = .clientReset(
                    offset: offset, responses: conversation.recorder.responses,
                    serverBytes: conversation.recorder.serverBytes)
            }
        case (.serverToClient, .finish), (.serverToClient, .reset):
            if case .open = conversation.ending { conversation.ending = .serverClose }
        default:
            break
        }
    }

    /// Ends a conversation and plans it.
    public mutating func connectionClosed(_ summary: ConnectionSummary) {
        guard var conversation = open.removeValue(forKey: summary.id) else { return }
        conversation.recorder.finish()
        let origin = firstStart?.nanosecondsSinceEpoch ?? conversation.start.nanosecondsSinceEpoch
        let application = conversation.recorder.application ?? .raw
        planned.append(
            PlannedConversation(
                recorded: conversation.recorder.conversation, application: application,
                startOffset: conversation.start.nanosecondsSinceEpoch - origin,
                endOffset: summary.end.nanosecondsSinceEpoch - origin, steps: conversation.steps,
                ending: conversation.ending, responses: conversation.recorder.responses,
                serverBytes: conversation.recorder.serverBytes,
                unreplayable: application == .tls
                    ? "TLS: a replay of recorded ciphertext cannot complete a new handshake" : nil))
    }

    /// The plan of every conversation read.
    public func plan() -> ReplayPlan {
        ReplayPlan(conversations: planned)
    }
}
