import InterposeCapture
import InterposeProtocols
import InterposeReader

/// The `FrameConsumer` behind `analyze` and `check`: reads every conversation as its protocol
/// (`ConversationDissector`), checks its messages (`ConversationChecker`) and the service as a
/// whole (`ServiceChecks`), and keeps the summaries, findings and endpoint statistics, never the
/// payload.
///
/// ```swift
/// var collector = AnalysisCollector()
/// _ = try CaptureReader(path: "incident.pcapng").read(into: &collector)
/// collector.finish()
/// print(collector.findings)
/// ```
public struct AnalysisCollector: FrameConsumer {
    /// One open conversation's state, a reference so a frame costs one dictionary lookup and no
    /// copy of the dissector.
    private final class Open {
        var dissector: ConversationDissector
        var checker: ConversationChecker
        var resetBy: Direction?
        var serverFinished = false

        init(dissector: ConversationDissector, checker: ConversationChecker) {
            self.dissector = dissector
            self.checker = checker
        }
    }

    /// Conversations that have ended, in the order they ended.
    public private(set) var conversations: [ConversationReport] = []
    /// Findings, in the order they were found.
    public private(set) var findings: [Finding] = []
    /// Statistics per service and request key; filled by `finish()`.
    public private(set) var endpoints: [EndpointStatistics] = []

    private let forced: ApplicationProtocol?
    private let detector: ProtocolDetector
    private var open: [ConnectionID: Open] = [:]
    private var services = ServiceChecks()
    private var output = DissectorOutput()

    /// A collector.
    /// - Parameters:
    ///   - forced: read every conversation as this protocol (`--protocol`); `nil` detects.
    ///   - portHints: protocols by server port (`--port-protocol 7000=redis`).
    public init(forced: ApplicationProtocol? = nil, portHints: [UInt16: ApplicationProtocol] = [:]) {
        self.forced = forced
        self.detector = ProtocolDetector(portHints: portHints)
    }

    /// Starts reading a conversation.
    public mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        open[connection.id] = Open(
            dissector: ConversationDissector(connection: connection, forced: forced, detector: detector),
            checker: ConversationChecker(descriptor: connection))
    }

    /// Reads one frame as its conversation's protocol and checks what it completes.
    public mutating func consume(_ frame: Frame) {
        guard let conversation = open[frame.connection] else { return }
        switch frame.event {
        case .reset: conversation.resetBy = frame.direction
        case .finish where frame.direction == .serverToClient: conversation.serverFinished = true
        default: break
        }
        conversation.dissector.consume(frame, into: &output)
        if !output.isEmpty {
            drain(into: conversation)
        }
    }

    /// Ends a conversation: its completeness checks and its row in the report.
    public mutating func connectionClosed(_ summary: ConnectionSummary) {
        guard let conversation = open.removeValue(forKey: summary.id) else {
            conversations.append(ConversationReport(summary: summary, protocolName: "unknown"))
            return
        }
        // Only the server's FIN or a RST says the server will not answer; otherwise the capture
        // simply stopped before it did.
        let ending: ConversationChecker.Ending
        if summary.state == .reset {
            ending = .reset(by: summary.resetBy ?? conversation.resetBy)
        } else {
            ending = conversation.serverFinished ? .closed : .captureEnded
        }
        let unanswered = conversation.checker.close(
            ending: ending, joinedLate: !summary.sawSyn && !summary.sawSynAck, findings: &findings)
        services.conversationEnded(conversation.checker, unanswered: unanswered)
        conversations.append(
            ConversationReport(
                summary: summary, protocolName: conversation.dissector.detection?.name ?? forced?.rawValue ?? "unknown",
                messages: conversation.checker.messages))
    }

    /// Keeps a finding of the reader.
    public mutating func report(_ finding: Finding) {
        findings.append(finding)
    }

    /// Adds what only the whole capture shows (version drift, status summaries) and the endpoint
    /// statistics. Call once, after the last frame.
    public mutating func finish() {
        findings += services.summaryFindings()
        endpoints = services.endpoints()
    }

    private mutating func drain(into conversation: Open) {
        let descriptor = conversation.checker.descriptor
        for finding in output.findings {
            if finding.endsDissection { conversation.checker.endDissection() }
            findings.append(
                Finding(
                    code: finding.code, severity: finding.severity, connection: descriptor.id, frame: finding.packet,
                    message: finding.message, detail: finding.detail))
        }
        for message in output.messages {
            switch message.role {
            case .request: services.request(message, on: descriptor, findings: &findings)
            case .event: services.event(message, on: descriptor, findings: &findings)
            case .response: break
            }
            if let request = conversation.checker.take(message, findings: &findings) {
                services.response(message, to: request, on: descriptor)
            }
        }
        output.removeAll()
    }
}
