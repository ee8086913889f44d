import InterposeCapture
import InterposeProtocols

/// The checks of `interpose check`, run on one live connection as its frames happen
/// (`interpose proxy --check`): the same dissector and conversation checks as offline, so a
/// finding found live is found again on the capture file.
///
/// Loop-bound: the proxy calls it from the connection's event loop only. What needs all
/// conversations (statistics, version drift, retries) goes to the shared `LiveChecks`.
public struct LiveConversationCheck {
    private var dissector: ConversationDissector
    private var checker: ConversationChecker
    private var output = DissectorOutput()
    private let shared: LiveChecks
    private var resetBy: Direction?
    private var serverFinished = false

    /// Starts checking a connection.
    public init(connection: ConnectionDescriptor, shared: LiveChecks) {
        self.dissector = ConversationDissector(
            connection: connection, forced: shared.forced, detector: ProtocolDetector(portHints: shared.portHints))
        self.checker = ConversationChecker(descriptor: connection)
        self.shared = shared
    }

    /// The protocol detected so far, or `nil`.
    public var protocolName: String? { dissector.detection?.name }

    /// Reads a frame; returns the findings it completes.
    public mutating func consume(_ frame: Frame) -> [Finding] {
        switch frame.event {
        case .reset: resetBy = frame.direction
        case .finish where frame.direction == .serverToClient: serverFinished = true
        default: break
        }
        dissector.consume(frame, into: &output)
        guard !output.isEmpty else { return [] }
        var findings: [Finding] = []
        let descriptor = checker.descriptor
        for finding in output.findings {
            if finding.endsDissection { checker.endDissection() }
            findings.append(
                Finding(
                    code: finding.code, severity: finding.severity, connection: descriptor.id, frame: finding.packet,
                    message: finding.message, detail: finding.detail))
        }
        var paired: [(Message, Message)] = []
        var unpaired: [Message] = []
        for message in output.messages {
            if message.role != .response { unpaired.append(message) }
            if let request = checker.take(message, findings: &findings) { paired.append((request, message)) }
        }
        output.removeAll()
        findings += shared.record(messages: unpaired, responses: paired, on: descriptor)
        return findings
    }

    /// The connection ended (after its last frame): the completeness findings.
    /// - Parameter reset: whether it ended with a reset, and by which side.
    public mutating func close(resetBy: Direction?) -> [Finding] {
        var findings: [Finding] = []
        let ending: ConversationChecker.Ending
        if let by = resetBy ?? self.resetBy {
            ending = .reset(by: by)
        } else {
            ending = serverFinished ? .closed : .captureEnded
        }
        let unanswered = checker.close(ending: ending, joinedLate: false, findings: &findings)
        shared.conversationEnded(checker, unanswered: unanswered)
        return findings
    }
}
