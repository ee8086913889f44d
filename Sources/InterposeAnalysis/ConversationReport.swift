import InterposeCore
import InterposeReader

/// One row of the analysis: a conversation, what it carried and how it ended.
public struct ConversationReport: Sendable, Hashable {
    /// What the reader knows about it.
    public var summary: ConnectionSummary
    /// The application protocol (`http1`, `redis`...), a recognised one read as raw (`ssh`), or `unknown`.
    public var protocolName: String
    /// Protocol messages (requests, responses, events) read from it.
    public var messages: Int

    /// A row from its parts.
    public init(summary: ConnectionSummary, protocolName: String, messages: Int = 0) {
        self.summary = summary
        self.protocolName = protocolName
        self.messages = messages
    }

    /// The connection's identifier.
    public var id: ConnectionID { summary.id }
}
