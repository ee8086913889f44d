import InterposeCapture
import InterposeCore
import InterposeProtocols

/// One recorded conversation ready to replay: what was recorded (to compare with), what to send, and
/// when it ran relative to the others.
public struct PlannedConversation: Sendable {
    /// The recorded conversation, with its exchanges and their bytes.
    public var recorded: RecordedConversation
    /// Its protocol.
    public var application: ApplicationProtocol
    /// When it began, in nanoseconds since the first conversation of the capture began.
    public var startOffset: Int64
    /// When the conversation was done with, in nanoseconds since the first conversation began: its
    /// first FIN or reset from either side, or its last data when data still flowed after that.
    /// A client that half-closes one connection and opens the next before the server's FIN arrives
    /// used them one after the other, and the replay orders them so; an idle connection held open
    /// beside busy ones stays concurrent with them.
    public var endOffset: Int64
    /// The client's writes.
    public var steps: [ReplayStep]
    /// How it ended.
    public var ending: ReplayEnding
    /// The responses the recording received in all.
    public var responses: Int
    /// The bytes the server sent in all.
    public var serverBytes: Int64
    /// Why it cannot be replayed (a TLS conversation, which needs the plaintext); `nil` when it can.
    public var unreplayable: String?
    /// When its last response was complete, in nanoseconds since it began.
    public var lastResponseOffset: Int64 = 0
    /// How long the server took to close after the client's half-close or the last response, in
    /// nanoseconds; 0 when the server did not close first.
    public var serverCloseWait: Int64 = 0
    /// The correlations whose values its responses hand out, by exchange index
    /// (`ReplayPlan.correlations` ids).
    public var handsOut: [Int: [Int]] = [:]

    /// A planned conversation from its parts.
    public init(
        recorded: RecordedConversation, application: ApplicationProtocol, startOffset: Int64, endOffset: Int64,
        steps: [ReplayStep], ending: ReplayEnding, responses: Int, serverBytes: Int64, unreplayable: String? = nil
    ) {
        self.recorded = recorded
        self.application = application
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.steps = steps
        self.ending = ending
        self.responses = responses
        self.serverBytes = serverBytes
        self.unreplayable = unreplayable
    }
}
