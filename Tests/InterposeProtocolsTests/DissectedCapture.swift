import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeReader

/// Reads a capture file the way the pipeline does: every conversation's frames through a
/// `ConversationDissector` (protocol detected from its first bytes), keeping what they said.
struct DissectedCapture: FrameConsumer {
    /// Conversations in the order they were opened.
    private(set) var order: [ConnectionID] = []
    private(set) var messages: [ConnectionID: [Message]] = [:]
    private(set) var findings: [ConnectionID: [DissectorFinding]] = [:]
    private(set) var detected: [ConnectionID: ApplicationProtocol] = [:]
    private var dissectors: [ConnectionID: ConversationDissector] = [:]

    /// Reads `path` to its end.
    init(path: String) throws {
        let reader = try CaptureReader(path: path)
        _ = reader.read(into: &self)
    }

    mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        order.append(connection.id)
        dissectors[connection.id] = ConversationDissector(connection: connection)
    }

    mutating func consume(_ frame: Frame) {
        guard var dissector = dissectors[frame.connection] else { return }
        var output = DissectorOutput()
        dissector.consume(frame, into: &output)
        if let application = dissector.detection?.application { detected[frame.connection] = application }
        dissectors[frame.connection] = dissector
        messages[frame.connection, default: []] += output.messages
        findings[frame.connection, default: []] += output.findings
    }

    /// Every conversation's messages, in the order the conversations were opened.
    var conversations: [(messages: [Message], findings: [DissectorFinding])] {
        order.map { (messages[$0] ?? [], findings[$0] ?? []) }
    }

    /// All messages of all conversations.
    var allMessages: [Message] { order.flatMap { messages[$0] ?? [] } }
}
