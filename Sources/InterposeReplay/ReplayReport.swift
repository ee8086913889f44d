import InterposeCapture
import InterposeCore

/// The result of comparing recorded traffic with a replay of it (`interpose replay`) or with a second
/// capture (`interpose diff`): every conversation and message, the noise cancelled, latency old
/// against new and the checks' findings on the new traffic. Rendered as text, `report.json`,
/// `junit.xml` and `report.html`.
public struct ReplayReport: Sendable {
    /// A finding of the checks on the replayed traffic: a protocol violation by the new build when
    /// it is an error that neither the recording nor the baseline had.
    public struct CheckFinding: Sendable, Hashable {
        /// The recorded conversation whose replay it was found in; `nil` for file-wide findings.
        public var conversation: Int?
        /// How bad it is.
        public var severity: Severity
        /// The finding's code (`http.bad-status-line`).
        public var code: String
        /// One line for people.
        public var message: String
        /// Where the same code was found on the same conversation too (`recording`, `baseline`,
        /// `recording and baseline`): then it is the old build's behaviour or the client's, not a
        /// regression. `nil` when only the target has it.
        public var alsoIn: String?

        /// A finding from its parts.
        public init(conversation: Int?, severity: Severity, code: String, message: String, alsoIn: String? = nil) {
            self.conversation = conversation
            self.severity = severity
            self.code = code
            self.message = message
            self.alsoIn = alsoIn
        }

        /// Whether it counts against the target: an error the recording and the baseline did not have.
        public var isRegression: Bool { severity == .error && alsoIn == nil }
    }

    /// What was replayed or compared: the recorded capture's path.
    public var recorded: String
    /// What it was compared with: `HOST:PORT` of the target, or capture B's path.
    public var target: String
    /// The baseline (`HOST:PORT`) when one was used.
    public var baseline: String?
    /// Every recorded conversation, in recorded start order.
    public var conversations: [ConversationResult]
    /// Fields cancelled as noise, the most frequent first.
    public var noise: [NoiseCount]
    /// Latency old against new.
    public var latency: LatencyComparison
    /// Findings of the checks on the replayed traffic; errors only the target has are regressions.
    public var findings: [CheckFinding]
    /// Wall time of the replay in nanoseconds (0 for a diff of two files).
    public var durationNanoseconds: Int64
    /// The values servers handed out that clients sent back, learned or given, and how the replay
    /// sent them (empty for a diff, or when nothing was correlated).
    public var correlations: [CorrelationSummary] = []
    /// The `--correlate` rules that matched nothing in the recording.
    public var unmatchedCorrelationRules: [String] = []
    /// How many `unreproducible` messages the replay may have (`--max-unreproducible`).
    public var unreproducibleLimit: UnreproducibleLimit = .automatic

    /// A report from its parts.
    public init(
        recorded: String, target: String, baseline: String? = nil, conversations: [ConversationResult],
        noise: [NoiseCount] = [],
        latency: LatencyComparison = LatencyComparison(overall: nil, rows: [], threshold: 0.2, warnings: []),
        findings: [CheckFinding] = [], durationNanoseconds: Int64 = 0
    ) {
        self.recorded = recorded
        self.target = target
        self.baseline = baseline
        self.conversations = conversations
        self.noise = noise
        self.latency = latency
        self.findings = findings
        self.durationNanoseconds = durationNanoseconds
    }

    /// Messages that got a verdict.
    public var messagesCompared: Int { conversations.reduce(0) { $0 + $1.messages.count } }

    /// Messages with a verdict.
    public func count(_ verdict: MessageVerdict) -> Int {
        conversations.reduce(0) { total, conversation in
            total + conversation.messages.reduce(0) { $0 + ($1.verdict == verdict ? 1 : 0) }
        }
    }

    /// Every reported field difference with where it is: `report.json`'s `differences`.
    public var differences: [(conversation: Int, message: MessageResult, difference: FieldDifference)] {
        conversations.flatMap { conversation in
            conversation.messages.flatMap { message in
                message.differences.map { (conversation.id, message, $0) }
            }
        }
    }

    /// Whether the new build regressed: a difference, a missing or extra response, a conversation
    /// that stopped early, or an error finding on the replayed traffic that the recording and the
    /// baseline did not have (exit status 1).
    public var hasRegressions: Bool {
        conversations.contains(where: \.hasRegression) || findings.contains(where: \.isRegression)
    }

    /// Every `unreproducible` message with its conversation: `report.json`'s `unreproducible`.
    public var unreproducibleMessages: [(conversation: Int, message: MessageResult)] {
        conversations.flatMap { conversation in
            conversation.messages.filter { $0.verdict == .unreproducible }.map { (conversation.id, $0) }
        }
    }

    /// Whether more messages are unreproducible than `unreproducibleLimit` allows: the old build
    /// reproduced too little of the recording for the replay to prove anything (exit status 1,
    /// whatever the target did).
    public var exceedsUnreproducibleLimit: Bool {
        unreproducibleLimit.isExceeded(unreproducible: count(.unreproducible), compared: messagesCompared)
    }

    /// Whether the replay fails (exit status 1): a regression, or too many unreproducible messages.
    public var failed: Bool { hasRegressions || exceedsUnreproducibleLimit }
}
