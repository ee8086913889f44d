import InterposeCapture
import InterposeProtocols
import InterposeReader

/// The `FrameConsumer` behind `diff`: reads every conversation as its protocol and keeps, per
/// conversation, its requests paired with their responses (`RecordedExchange`), not the payload.
///
/// ```swift
/// var collector = ExchangeCollector()
/// _ = try CaptureReader(path: "before.pcapng").read(into: &collector)
/// print(collector.conversations.map(\.exchanges.count))
/// ```
public struct ExchangeCollector: FrameConsumer {
    /// One open conversation, a reference so a frame costs one dictionary lookup and no copy.
    private final class Open {
        var dissector: ConversationDissector
        var conversation: RecordedConversation
        /// Request message index to its position in `conversation.exchanges`.
        var positions: [Int: Int] = [:]

        init(dissector: ConversationDissector, conversation: RecordedConversation) {
            self.dissector = dissector
            self.conversation = conversation
        }
    }

    /// Conversations that have ended, in the order they ended.
    public private(set) var conversations: [RecordedConversation] = []

    private let forced: ApplicationProtocol?
    private let detector: ProtocolDetector
    private var open: [ConnectionID: Open] = [:]
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
            conversation: RecordedConversation(descriptor: connection, start: timestamp))
    }

    /// Reads one frame as its conversation's protocol and keeps the requests and responses it completes.
    public mutating func consume(_ frame: Frame) {
        guard let conversation = open[frame.connection] else { return }
        conversation.dissector.consume(frame, into: &output)
        guard !output.isEmpty else { return }
        for message in output.messages {
            switch message.role {
            case .request:
                conversation.positions[message.index] = conversation.conversation.exchanges.count
                conversation.conversation.exchanges.append(RecordedExchange(request: message))
            case .response:
                if let answers = message.answers, let position = conversation.positions.removeValue(forKey: answers) {
                    conversation.conversation.exchanges[position].answer(with: message)
                }
            case .event:
                break
            }
        }
        output.removeAll()
    }

    /// Ends a conversation and keeps it.
    public mutating func connectionClosed(_ summary: ConnectionSummary) {
        if let conversation = open.removeValue(forKey: summary.id) {
            conversations.append(conversation.conversation)
        } else {
            conversations.append(RecordedConversation(descriptor: summary.descriptor, start: summary.start))
        }
    }
}
