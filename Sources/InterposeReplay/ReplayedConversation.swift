/// One conversation as a replay ran it: the traffic read back as exchanges, and why it stopped early.
public struct ReplayedConversation: Sendable {
    /// The plan's conversation (an index into `ReplayPlan.conversations`).
    public var planIndex: Int
    /// The replayed connection read as its protocol; `nil` when it never connected or was not replayed.
    public var replayed: RecordedConversation?
    /// Why it stopped early or did not run; `nil` when it ran to the end.
    public var error: String?
    /// Why it was not replayed at all (`unreplayable`); `nil` when it was.
    public var skipped: String?

    /// A result from its parts.
    public init(planIndex: Int, replayed: RecordedConversation?, error: String?, skipped: String? = nil) {
        self.planIndex = planIndex
        self.replayed = replayed
        self.error = error
        self.skipped = skipped
    }
}
