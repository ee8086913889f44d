/// One message of a replayed conversation in a report: the request, the verdict, what differs, the
/// noise that was cancelled and the latency old against new.
public struct MessageResult: Sendable, Hashable {
    /// The exchange's position in its conversation, from 0.
    public var index: Int
    /// The request in one line (`GET /users/7 HTTP/1.1`, `GET user:7`).
    public var request: String
    /// The request's statistics key (`GET /users/{id}`): latency and noise are grouped by it.
    public var key: String
    /// The request as text for people, at most a few KiB (the report shows it next to the diff).
    public var requestText: String
    /// The verdict.
    public var verdict: MessageVerdict
    /// Every field that differs and is not noise; empty unless `verdict == .differs`.
    public var differences: [FieldDifference]
    /// Fields that differed and were cancelled as noise (by a rule or by the baseline).
    public var noise: [String]
    /// The recorded response in one line (`200 OK`); `nil` when there was none.
    public var recordedSummary: String?
    /// The replayed response in one line; `nil` when there was none.
    public var replayedSummary: String?
    /// The recorded response as text for people, at most a few KiB.
    public var recordedText: String
    /// The replayed response as text for people, at most a few KiB.
    public var replayedText: String
    /// Recorded latency, request start to response end, in nanoseconds.
    public var recordedLatency: Int64?
    /// Replayed latency, in nanoseconds.
    public var replayedLatency: Int64?
    /// Why the message is `unreproducible`: the baseline answered another status than the
    /// recording (`the baseline answered -NOAUTH (error (none) -> NOAUTH)`), or misses the
    /// response (or adds one) too; `nil` for every other verdict.
    public var unreproducible: String?

    /// A result from its parts.
    public init(
        index: Int, request: String, key: String, requestText: String = "", verdict: MessageVerdict,
        differences: [FieldDifference] = [], noise: [String] = [], recordedSummary: String? = nil,
        replayedSummary: String? = nil, recordedText: String = "", replayedText: String = "",
        recordedLatency: Int64? = nil, replayedLatency: Int64? = nil
    ) {
        self.index = index
        self.request = request
        self.key = key
        self.requestText = requestText
        self.verdict = verdict
        self.differences = differences
        self.noise = noise
        self.recordedSummary = recordedSummary
        self.replayedSummary = replayedSummary
        self.recordedText = recordedText
        self.replayedText = replayedText
        self.recordedLatency = recordedLatency
        self.replayedLatency = replayedLatency
    }

    /// Makes the message `unreproducible` for `reason`: what the target answered is kept for the
    /// report, its differences are not (they are not the target's regressions).
    mutating func markUnreproducible(_ reason: String) {
        verdict = .unreproducible
        unreproducible = reason
        differences = []
    }
}
