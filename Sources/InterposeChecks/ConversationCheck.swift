import InterposeCore
import InterposeProtocols

/// One conversation's dissection and checks, the part the offline collector and the live proxy
/// share: frames in; findings, and every message with the request it answers, out.
///
/// The owners add what differs: the offline collector feeds a `ServiceChecks` directly, the proxy a
/// lock-guarded one (`LiveChecks`).
package struct ConversationCheck {
    /// What a frame completed.
    package struct Output {
        /// Findings of the dissector and of the conversation checks.
        package var findings: [Finding] = []
        /// Messages in order, each response with the request it answers.
        package var messages: [(message: Message, answers: Message?)] = []

        /// Nothing yet.
        package init() {}

        package mutating func removeAll() {
            findings.removeAll(keepingCapacity: true)
            messages.removeAll(keepingCapacity: true)
        }
    }

    package private(set) var dissector: ConversationDissector
    package private(set) var checker: ConversationChecker
    private var dissected = DissectorOutput()
    private var resetBy: Direction?
    private var serverFinished = false
    /// Whether the client half-closed before the server closed.
    private var clientFinishedFirst = false

    package init(
        connection: ConnectionDescriptor, forced: ApplicationProtocol?, detector: ProtocolDetector,
        keepsContent: Bool = false
    ) {
        dissector = ConversationDissector(
            connection: connection, forced: forced, detector: detector, keepsContent: keepsContent)
        checker = ConversationChecker(descriptor: connection)
    }

    /// Reads one frame, appending what it completes to `output`.
    package mutating func consume(_ frame: Frame, into output: inout Output) {
        switch frame.event {
        case .reset: resetBy = frame.direction
        case .finish where frame.direction == .serverToClient:
            serverFinished = true
            checker.serverClosed()
        case .finish where !serverFinished: clientFinishedFirst = true
        default: break
        }
        dissector.consume(frame, into: &dissected)
        guard !dissected.isEmpty else { return }
        let id = checker.descriptor.id
        for finding in dissected.findings {
            if finding.endsDissection { checker.endDissection() }
            output.findings.append(
                Finding(
                    code: finding.kind, severity: finding.severity, connection: id, frame: finding.packet,
                    message: finding.message, detail: finding.detail))
        }
        for message in dissected.messages {
            output.messages.append((message, checker.take(message, findings: &output.findings)))
        }
        dissected.removeAll()
    }

    /// The conversation ended: its completeness findings.
    /// - Parameters:
    ///   - reset: whether it ended with a reset.
    ///   - resetBy: the side that reset it, when known better than from the frames.
    ///   - joinedLate: whether the capture began after the conversation did.
    /// - Returns: the unanswered requests, each with what became of it, for the retry check.
    package mutating func close(
        reset: Bool, resetBy: Direction?, joinedLate: Bool, findings: inout [Finding]
    ) -> [(Message, String)] {
        // Only the server's FIN or a RST says the server will not answer; otherwise the capture
        // (or the proxy's run) simply stopped before it did.
        let ending: ConversationChecker.Ending
        if reset {
            ending = .reset(by: resetBy ?? self.resetBy)
        } else {
            ending = serverFinished ? .closed : .captureEnded
        }
        let clientGaveUp = clientFinishedFirst || ending == .reset(by: .clientToServer)
        return checker.close(ending: ending, clientGaveUp: clientGaveUp, joinedLate: joinedLate, findings: &findings)
    }
}
