/// One recorded conversation in a report: which one it was, what protocol, and each of its messages.
public struct ConversationResult: Sendable, Hashable {
    /// The recorded conversation's number in its capture (`#3`).
    public var id: Int
    /// The server it talked to in the recording (`127.0.0.1:6379`).
    public var server: String
    /// The protocol (`http1`, `redis`).
    public var application: String
    /// The replayed connection's number (or the partner conversation in capture B); `nil` when none.
    public var replayedID: Int?
    /// Each exchange.
    public var messages: [MessageResult]
    /// Why the replay of this conversation stopped early (`connection refused`,
    /// `reset by the target after 3 of 5 requests`); `nil` when it ran to the end.
    public var error: String?
    /// Why it was not replayed at all (a TLS conversation); `nil` when it was. Not a regression.
    public var skipped: String?
    /// Why the replay stopped early when every baseline run stopped early too: the old build does
    /// not reproduce this conversation either. Not a regression (then `error` is `nil`).
    public var unreproducibleStop: String?

    /// A result from its parts.
    public init(
        id: Int, server: String, application: String, replayedID: Int? = nil, messages: [MessageResult] = [],
        error: String? = nil
    ) {
        self.id = id
        self.server = server
        self.application = application
        self.replayedID = replayedID
        self.messages = messages
        self.error = error
    }

    /// Whether anything in this conversation is a regression (a difference, a missing or extra
    /// response the baseline does not share, or an early stop).
    public var hasRegression: Bool {
        error != nil || messages.contains { $0.verdict != .same && $0.verdict != .unreproducible }
    }
}
