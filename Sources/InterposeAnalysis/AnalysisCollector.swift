import InterposeChecks
import InterposeCore
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
    /// One open conversation's checks, a reference so a frame costs one dictionary lookup and no
    /// copy of the dissector.
    private final class Open {
        var check: ConversationCheck

        init(_ check: ConversationCheck) {
            self.check = check
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
    private var output = ConversationCheck.Output()

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
        open[connection.id] = Open(ConversationCheck(connection: connection, forced: forced, detector: detector))
    }

    /// Reads one frame as its conversation's protocol and checks what it completes.
    public mutating func consume(_ frame: Frame) {
        guard let conversation = open[frame.connection] else { return }
        conversation.check.consume(frame, into: &output)
        if !output.findings.isEmpty || !output.messages.isEmpty {
            drain(on: conversation.check.checker.descriptor)
        }
    }

    /// Ends a conversation: its completeness checks and its row in the report.
    public mutating func connectionClosed(_ summary: ConnectionSummary) {
        guard let conversation = open.removeValue(forKey: summary.id) else {
            conversations.append(ConversationReport(summary: summary, protocolName: "unknown"))
            return
        }
        let unanswered = conversation.check.close(
            reset: summary.state == .reset, resetBy: summary.resetBy, joinedLate: !summary.sawSyn && !summary.sawSynAck,
            findings: &findings)
        services.conversationEnded(conversation.check.checker, unanswered: unanswered)
        conversations.append(
            ConversationReport(
                summary: summary,
                protocolName: conversation.check.dissector.detection?.name ?? forced?.rawValue ?? "unknown",
                messages: conversation.check.checker.messages))
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

    private mutating func drain(on descriptor: ConnectionDescriptor) {
        findings += output.findings
        for (message, request) in output.messages {
            switch message.role {
            case .request: services.request(message, on: descriptor, findings: &findings)
            case .event: services.event(message, on: descriptor, findings: &findings)
            case .response: if let request { services.response(message, to: request, on: descriptor) }
            }
        }
        output.removeAll()
    }
}
