import InterposeAnalysis
import InterposeCapture
import InterposeCore

extension ReplayReport {
    /// Conversations whose replay stopped before its last request (they have an `error`).
    public var stoppedEarly: [ConversationResult] { conversations.filter { $0.error != nil } }

    /// Findings of severity `error`.
    public var errorFindings: [CheckFinding] { findings.filter { $0.severity == .error } }

    /// Error findings only the target has: each is a regression.
    public var regressionFindings: [CheckFinding] { findings.filter(\.isRegression) }

    /// Field differences cancelled as noise, summed over every noise field (a field cancelled in
    /// ten messages counts ten times).
    public var noiseCancelled: Int { noise.reduce(0) { $0 + $1.count } }

    /// The last line of every rendering:
    /// `NO REGRESSION: all 12 messages the same (3 noise fields cancelled)`,
    /// `REGRESSION: 1 differ, 1 missing, 0 extra in 12 messages, 1 conversation stopped early, 1 error finding`,
    /// or, when more messages are unreproducible than `--max-unreproducible` allows,
    /// `NOT REPRODUCED: 9 of 12 messages unreproducible (the baseline does not reproduce the
    /// recording), more than the 0 --max-unreproducible allows; no regression in the other 3`.
    public var verdictLine: String {
        let messages = messagesCompared
        let unreproducible = count(.unreproducible)
        let exceeded = exceedsUnreproducibleLimit
        let allowed = unreproducibleLimit.allowed(compared: messages)
        let notReproduced =
            unreproducible == 0
            ? ""
            : exceeded
                ? ", \(ReportFormatting.grouped(unreproducible)) unreproducible "
                    + "(more than the \(allowed) --max-unreproducible allows)"
                : ", \(ReportFormatting.grouped(unreproducible)) unreproducible (the baseline does not reproduce them)"
        guard hasRegressions else {
            let noise = "(\(ReportFormatting.plural(noiseCancelled, "noise field")) cancelled)"
            guard unreproducible > 0 else {
                return "NO REGRESSION: all \(ReportFormatting.grouped(messages)) messages the same \(noise)"
            }
            guard exceeded else {
                return
                    "NO REGRESSION: \(ReportFormatting.grouped(count(.same))) of \(ReportFormatting.grouped(messages)) "
                    + "messages the same\(notReproduced) \(noise)"
            }
            return
                "NOT REPRODUCED: \(ReportFormatting.grouped(unreproducible)) of \(ReportFormatting.grouped(messages)) "
                + "messages unreproducible (the baseline does not reproduce the recording), more than the \(allowed) "
                + "--max-unreproducible allows; no regression in the other "
                + "\(ReportFormatting.grouped(messages - unreproducible)) \(noise)"
        }
        var line = "REGRESSION: \(ReportFormatting.grouped(count(.differs))) differ, "
        line +=
            "\(ReportFormatting.grouped(count(.missing))) missing, \(ReportFormatting.grouped(count(.extra))) extra "
        line += "in \(ReportFormatting.plural(messages, "message"))"
        let stopped = stoppedEarly.count
        if stopped > 0 { line += ", \(ReportFormatting.plural(stopped, "conversation")) stopped early" }
        let errors = regressionFindings.count
        if errors > 0 { line += ", \(ReportFormatting.plural(errors, "error finding"))" }
        line += notReproduced
        return line
    }

    /// What a conversation's regressions are, one line each, in message order: a differing message
    /// with its fields, a missing or extra response, the early stop, and error findings on it.
    /// The JUnit and HTML reports list these.
    public func regressions(in conversation: ConversationResult) -> [Regression] {
        var out: [Regression] = []
        for message in conversation.messages where message.verdict != .same && message.verdict != .unreproducible {
            out.append(Regression(kind: .message(message.verdict), message: message, title: Self.title(of: message)))
        }
        if let error = conversation.error {
            out.append(Regression(kind: .stoppedEarly, message: nil, title: "stopped early: \(error)"))
        }
        for finding in findings where finding.conversation == conversation.id && finding.isRegression {
            out.append(
                Regression(kind: .finding(finding.code), message: nil, title: "\(finding.code): \(finding.message)"))
        }
        return out
    }

    /// Findings whose conversation is `nil` or not in the report: they belong to the whole file.
    public var fileWideFindings: [CheckFinding] {
        let ids = Set(conversations.map(\.id))
        return findings.filter { finding in finding.conversation.map { !ids.contains($0) } ?? true }
    }

    private static func title(of message: MessageResult) -> String {
        let head = "message \(message.index) \(message.request)"
        switch message.verdict {
        case .same:
            return "\(head): same"
        case .differs:
            let fields = message.differences.map(\.field)
            let verb = fields.count == 1 ? "differs" : "differ"
            return
                "\(head): \(ReportFormatting.plural(fields.count, "field")) \(verb) (\(fields.joined(separator: ", ")))"
        case .missing:
            return "\(head): no response in the replay (recorded \(message.recordedSummary ?? "a response"))"
        case .extra:
            return "\(head): a response the recording does not have (\(message.replayedSummary ?? "replayed"))"
        case .unreproducible:
            return
                "\(head): unreproducible, \(message.unreproducible ?? "the baseline does not reproduce the recording")"
        }
    }
}
