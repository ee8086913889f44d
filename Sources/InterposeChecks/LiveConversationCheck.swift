import InterposeCore
import InterposeProtocols

/// The checks of `interpose check`, run on one live connection as its frames happen
/// (`interpose proxy --check`): the same dissector and conversation checks as offline, so a
/// finding found live is found again on the capture file.
///
/// Loop-bound: the proxy calls it from the connection's event loop only. What needs all
/// conversations (statistics, version drift, retries) goes to the shared `LiveChecks`.
public struct LiveConversationCheck {
    private var check: ConversationCheck
    private var output = ConversationCheck.Output()
    private let shared: LiveChecks

    /// Starts checking a connection.
    /// - Parameters:
    ///   - connection: who talks.
    ///   - shared: the checks across connections, with the protocol options.
    ///   - forced: read it as this protocol whatever `shared` says (a replay knows its protocol).
    ///   - keepsContent: hand messages over with their content where the dissector frames it
    ///     (HTTP/2), for a replay that compares them.
    public init(
        connection: ConnectionDescriptor, shared: LiveChecks, forced: ApplicationProtocol? = nil,
        keepsContent: Bool = false
    ) {
        check = ConversationCheck(
            connection: connection, forced: forced ?? shared.forced,
            detector: ProtocolDetector(portHints: shared.portHints), keepsContent: keepsContent)
        self.shared = shared
    }

    /// The protocol detected so far, or `nil`.
    public var protocolName: String? { check.dissector.detection?.name }

    /// Reads a frame; returns the findings it completes.
    public mutating func consume(_ frame: Frame) -> [Finding] {
        consume(frame) { _ in }
    }

    /// Reads a frame, hands each message it completes to `messages` (so a caller that also needs
    /// the messages does not dissect the bytes a second time), and returns the findings.
    public mutating func consume(_ frame: Frame, messages: (Message) -> Void) -> [Finding] {
        check.consume(frame, into: &output)
        guard !output.findings.isEmpty || !output.messages.isEmpty else { return [] }
        for entry in output.messages { messages(entry.message) }
        var findings = output.findings
        findings += shared.record(output.messages, on: check.checker.descriptor)
        output.removeAll()
        return findings
    }

    /// The connection ended (after its last frame): the completeness findings.
    /// - Parameter resetBy: the side that reset it, or `nil` when it closed.
    public mutating func close(resetBy: Direction?) -> [Finding] {
        var findings: [Finding] = []
        let unanswered = check.close(reset: resetBy != nil, resetBy: resetBy, joinedLate: false, findings: &findings)
        shared.conversationEnded(check.checker, unanswered: unanswered)
        return findings
    }
}
