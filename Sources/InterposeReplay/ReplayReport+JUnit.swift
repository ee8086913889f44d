import InterposeAnalysis

extension ReplayReport {
    /// `junit.xml` for CI: one `<testsuite name="interpose replay">` with a test case per recorded
    /// conversation (`classname="replay.<application>"`, `name="#<id> <server>"`) and one
    /// `<failure>` per regression in it: a differing message (its fields, recorded → replayed), a
    /// missing or extra response, an early stop, an error finding on the conversation.
    ///
    /// Findings for the whole file get a `replayed traffic` case of their own, and unreproducible
    /// messages a `reproduction by the baseline` case that fails when there are more than
    /// `--max-unreproducible` allows. The suite's
    /// `tests` counts the cases and `failures` the failing cases. Warnings go to `system-out`.
    /// Everything is escaped, control characters XML 1.0 forbids become `?`.
    public func renderJUnit() -> String {
        let general = fileWideFindings
        var cases: [String] = []
        var failing = 0
        for conversation in conversations {
            let regressions = regressions(in: conversation)
            if !regressions.isEmpty { failing += 1 }
            let notes = findings.filter { $0.conversation == conversation.id && !$0.isRegression }
            cases.append(
                Self.testCase(
                    name: "#\(conversation.id) \(conversation.server)", className: "replay.\(conversation.application)",
                    failures: regressions.map { ($0.kind.name, $0.title, Self.failureBody($0, in: conversation)) },
                    notes: notes.map(Self.describe)))
        }
        if !general.isEmpty {
            let errors = general.filter(\.isRegression)
            if !errors.isEmpty { failing += 1 }
            cases.append(
                Self.testCase(
                    name: "replayed traffic", className: "replay.checks",
                    failures: errors.map { ($0.code, $0.message, Self.describe($0)) },
                    notes: general.filter { !$0.isRegression }.map(Self.describe)))
        }
        if count(.unreproducible) > 0 {
            // The replay itself: it fails when the baseline reproduced too little of the recording.
            let exceeded = exceedsUnreproducibleLimit
            if exceeded { failing += 1 }
            let lines = unreproducibleMessages.map { conversation, message in
                "#\(conversation) message \(message.index) \(message.request): \(message.unreproducible ?? "")"
            }
            let summary =
                "\(count(.unreproducible)) of \(messagesCompared) messages unreproducible, "
                + "\(unreproducibleLimit.allowed(compared: messagesCompared)) allowed (--max-unreproducible)"
            cases.append(
                Self.testCase(
                    name: "reproduction by the baseline", className: "replay.baseline",
                    failures: exceeded ? [("unreproducible", summary, lines.joined(separator: "\n"))] : [],
                    notes: exceeded ? [] : [summary] + lines))
        }
        let seconds = ReportFormatting.fixed(Double(durationNanoseconds) / 1e9, 3)
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml +=
            #"<testsuites name="interpose replay" tests="\#(cases.count)" failures="\#(failing)" time="\#(seconds)">"#
            + "\n"
        xml +=
            #"  <testsuite name="interpose replay" tests="\#(cases.count)" failures="\#(failing)" errors="0" skipped="0" time="\#(seconds)">"#
            + "\n"
        xml += "    <properties>\n"
        for (name, value) in [
            ("recorded", recorded), ("target", target), ("baseline", baseline ?? "none"), ("verdict", verdictLine),
        ] {
            xml += #"      <property name="\#(name)" value="\#(XMLEscaping.escape(value))"/>"# + "\n"
        }
        xml += "    </properties>\n"
        xml += cases.joined()
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    private static func testCase(
        name: String, className: String, failures: [(type: String, message: String, body: String)], notes: [String]
    ) -> String {
        var xml =
            #"    <testcase name="\#(XMLEscaping.escape(name))" classname="\#(XMLEscaping.escape(className))">"# + "\n"
        for failure in failures {
            xml +=
                #"      <failure type="\#(XMLEscaping.escape(failure.type))" message="\#(XMLEscaping.escape(failure.message))">"#
            xml += XMLEscaping.escape(failure.body) + "</failure>\n"
        }
        if !notes.isEmpty {
            xml += "      <system-out>" + XMLEscaping.escape(notes.joined(separator: "\n")) + "</system-out>\n"
        }
        xml += "    </testcase>\n"
        return xml
    }

    /// The failure's text: the request, then each differing field `recorded → replayed`, or the
    /// responses' summaries.
    private static func failureBody(_ regression: Regression, in conversation: ConversationResult) -> String {
        guard let message = regression.message else {
            return "#\(conversation.id) \(conversation.server) (\(conversation.application)): \(regression.title)"
        }
        var lines = ["request: \(message.request)"]
        switch message.verdict {
        case .differs:
            for difference in message.differences {
                lines.append(
                    "\(difference.field): \(difference.recorded ?? "(none)") → \(difference.replayed ?? "(none)")")
            }
        case .missing, .extra, .same, .unreproducible:
            lines.append("recorded: \(message.recordedSummary ?? "(none)")")
            lines.append("replayed: \(message.replayedSummary ?? "(none)")")
        }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ finding: CheckFinding) -> String {
        let place = finding.conversation.map { "#\($0) " } ?? ""
        let also = finding.alsoIn.map { " (also in the \($0): not a regression)" } ?? ""
        return "\(place)\(finding.severity.rawValue) \(finding.code): \(finding.message)\(also)"
    }
}
