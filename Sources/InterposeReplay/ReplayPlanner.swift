import InterposeAnalysis
import InterposeCapture
import InterposeCore
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
        /// How long the server took to close (`PlannedConversation.serverCloseWait`).
        var serverCloseWait: Int64 = 0
        /// The first FIN or reset from either side, and the last data frame, since `start`.
        var firstCloseOffset: Int64?
        var lastDataOffset: Int64 = 0
        var passwords = PostgresPasswordFilter()
        /// `steps` without the recorded password messages, used when it is PostgreSQL.
        var postgresSteps: [ReplayStep] = []
    }

    private let forced: ApplicationProtocol?
    private let detector: ProtocolDetector
    /// The checks of `interpose check` on the recording, so the replay can tell a finding the old
    /// build (or the client) already had from one the new build brings.
    private var checks: AnalysisCollector
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
        self.checks = AnalysisCollector(forced: forced, portHints: portHints)
    }

    /// Starts a conversation.
    public mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        if firstStart == nil || timestamp < firstStart! { firstStart = timestamp }
        checks.connectionOpened(connection, at: timestamp)
        open[connection.id] = Open(
            recorder: ExchangeRecorder(connection: connection, start: timestamp, forced: forced, detector: detector),
            start: timestamp)
    }

    /// Takes one frame: server bytes advance what later client writes wait for; client bytes become writes.
    public mutating func consume(_ frame: Frame) {
        guard var conversation = open.removeValue(forKey: frame.connection) else { return }
        defer { open[frame.connection] = conversation }
        checks.consume(frame)
        let offset = frame.timestamp.nanosecondsSinceEpoch - conversation.start.nanosecondsSinceEpoch
        let responsesBefore = conversation.recorder.responses
        conversation.recorder.consume(frame)
        switch frame.event {
        case .data: conversation.lastDataOffset = offset
        case .finish, .reset, .close: if conversation.firstCloseOffset == nil { conversation.firstCloseOffset = offset }
        default: break
        }
        switch (frame.direction, frame.event) {
        case (.serverToClient, .data):
            if conversation.recorder.responses != responsesBefore || conversation.recorder.application == .raw {
                conversation.awaitedAt = offset
            }
        case (.clientToServer, .data(let buffer)):
            let responses = conversation.recorder.responses
            let serverBytes = conversation.recorder.serverBytes
            let awaitedAt = conversation.awaitedAt
            Self.append(buffer, to: &conversation.steps, offset, responses, serverBytes, awaitedAt)
            // Without the recorded passwords, in case it is PostgreSQL: kept from the first byte (the
            // filter follows the framing from the start) until detection says it is something else.
            let application = conversation.recorder.application
            if application == nil || application == .postgres {
                let filtered = conversation.passwords.filter(buffer)
                if filtered.readableBytes > 0 {
                    Self.append(filtered, to: &conversation.postgresSteps, offset, responses, serverBytes, awaitedAt)
                }
            } else {
                conversation.postgresSteps = []
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
            switch conversation.ending {
            case .open:
                conversation.ending = .serverClose
                conversation.serverCloseWait = Swift.max(0, offset - conversation.awaitedAt)
            case .clientFinish(let finishedAt, _, _):
                conversation.serverCloseWait = Swift.max(0, offset - Swift.max(finishedAt, conversation.awaitedAt))
            default:
                break
            }
        default:
            break
        }
    }

    /// Ends a conversation and plans it.
    public mutating func connectionClosed(_ summary: ConnectionSummary) {
        checks.connectionClosed(summary)
        guard var conversation = open.removeValue(forKey: summary.id) else { return }
        conversation.recorder.finish()
        let origin = firstStart?.nanosecondsSinceEpoch ?? conversation.start.nanosecondsSinceEpoch
        let application = conversation.recorder.application ?? .raw
        var plannedConversation =
            PlannedConversation(
                recorded: conversation.recorder.conversation, application: application,
                startOffset: conversation.start.nanosecondsSinceEpoch - origin,
                endOffset: conversation.start.nanosecondsSinceEpoch - origin
                    + max(
                        conversation.firstCloseOffset
                            ?? (summary.end.nanosecondsSinceEpoch - conversation.start.nanosecondsSinceEpoch),
                        conversation.lastDataOffset),
                steps: application == .postgres ? conversation.postgresSteps : conversation.steps,
                ending: conversation.ending, responses: conversation.recorder.responses,
                serverBytes: conversation.recorder.serverBytes,
                unreplayable: ProtocolRegistry.standard.descriptor(for: application).replayRefusal)
        plannedConversation.lastResponseOffset = conversation.awaitedAt
        plannedConversation.serverCloseWait = conversation.serverCloseWait
        planned.append(plannedConversation)
    }

    /// Adds client bytes as a write, or to the last write when nothing arrived in between and they
    /// followed it within `joinWithin`.
    private static func append(
        _ buffer: ByteBuffer, to steps: inout [ReplayStep], _ offset: Int64, _ responses: Int, _ serverBytes: Int64,
        _ awaitedAt: Int64
    ) {
        if var last = steps.last, last.awaitResponses == responses, last.awaitServerBytes == serverBytes,
            offset - last.offset < joinWithin
        {
            var incoming = buffer
            last.bytes.writeBuffer(&incoming)
            steps[steps.count - 1] = last
        } else {
            steps.append(
                ReplayStep(
                    bytes: buffer, offset: offset, awaitResponses: responses, awaitServerBytes: serverBytes,
                    awaitedAt: awaitedAt))
        }
    }

    /// The plan of every conversation read.
    public func plan() -> ReplayPlan {
        var finished = checks
        finished.finish()
        return ReplayPlan(conversations: planned, recordedFindings: finished.findings)
    }
}
