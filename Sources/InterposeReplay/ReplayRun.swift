import InterposeCapture
import InterposeCore

/// What one replay of a plan against one server produced.
public struct ReplayRun: Sendable {
    /// Each planned conversation's replay, by plan index.
    public var conversations: [ReplayedConversation]
    /// Findings of the checks on the replayed traffic (their connection ids are the recorded ones).
    public var findings: [Finding]
    /// Wall time from the first connection to the last close, in nanoseconds.
    public var durationNanoseconds: Int64
    /// How each of the plan's correlations fared, by id (empty when it has none).
    public var correlations: [CorrelationCount] = []

    /// A run from its parts.
    public init(conversations: [ReplayedConversation], findings: [Finding], durationNanoseconds: Int64) {
        self.conversations = conversations
        self.findings = findings
        self.durationNanoseconds = durationNanoseconds
    }
}
