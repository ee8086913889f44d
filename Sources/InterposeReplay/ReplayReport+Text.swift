import InterposeAnalysis
import InterposeCapture
import InterposeCore

extension ReplayReport {
    /// The report for the terminal: what was compared, the counts, every difference, the missing
    /// and extra responses, conversations that stopped early, the messages the baseline does not
    /// reproduce (with why), the noise cancelled, latency old
    /// against new (with `WARNING:` lines), the checks' findings, and the verdict as the last line.
    ///
    /// Values are shown on one line with control characters escaped (`\n`, `\x1b`), so recorded
    /// bytes cannot move the cursor or recolour the terminal, and cut to about 60 characters.
    /// - Parameter limit: the most rows each table shows; `nil` for all.
    public func renderText(limit: Int? = 200) -> String {
        var text = "Recorded: \(recorded)\n"
        text += "Target:   \(target)\n"
        text += "Baseline: \(baseline ?? "none")\n"
        if durationNanoseconds > 0 {
            text += "Duration: \(ReportFormatting.duration(nanoseconds: durationNanoseconds))\n"
        }
        text += "\n" + summaryTable() + "\n"
        text += differencesSection(limit: limit)
        text += missingAndExtraSection(limit: limit)
        text += stoppedEarlySection(limit: limit)
        text += unreproducibleSection(limit: limit)
        text += noiseSection(limit: limit)
        text += correlationsSection(limit: limit)
        text += latencySection()
        text += findingsSection(limit: limit)
        text += "\n" + verdictLine + "\n"
        return text
    }

    private func summaryTable() -> String {
        var table = TextTable(
            headers: [
                "conversations", "messages", "same", "differs", "missing", "extra", "unreproducible", "stopped early",
                "noise cancelled",
            ],
            alignments: Array(repeating: .right, count: 9))
        table.add(
            [
                conversations.count, messagesCompared, count(.same), count(.differs), count(.missing), count(.extra),
                count(.unreproducible), stoppedEarly.count, noiseCancelled,
            ].map { ReportFormatting.grouped($0) })
        return table.render()
    }

    private func differencesSection(limit: Int?) -> String {
        let rows = differences
        guard !rows.isEmpty else { return "" }
        var table = TextTable(
            headers: ["conv", "msg", "request", "field", "recorded", "replayed"],
            alignments: [.right, .right, .left, .left, .left, .left])
        for row in rows.prefix(limit ?? rows.count) {
            table.add([
                "#\(row.conversation)", String(row.message.index), Self.oneLine(row.message.request),
                Self.oneLine(row.difference.field), Self.oneLine(row.difference.recorded),
                Self.oneLine(row.difference.replayed),
            ])
        }
        return "\nDifferences:\n" + table.render() + "\n" + Self.more(rows.count, limit)
    }

    private func missingAndExtraSection(limit: Int?) -> String {
        let rows = conversations.flatMap { conversation in
            conversation.messages.filter { $0.verdict == .missing || $0.verdict == .extra }.map {
                (conversation.id, $0)
            }
        }
        guard !rows.isEmpty else { return "" }
        var table = TextTable(
            headers: ["conv", "msg", "verdict", "request", "recorded", "replayed"],
            alignments: [.right, .right, .left, .left, .left, .left])
        for (conversation, message) in rows.prefix(limit ?? rows.count) {
            table.add([
                "#\(conversation)", String(message.index), message.verdict.rawValue, Self.oneLine(message.request),
                Self.oneLine(message.recordedSummary), Self.oneLine(message.replayedSummary),
            ])
        }
        return "\nMissing and extra responses:\n" + table.render() + "\n" + Self.more(rows.count, limit)
    }

    private func stoppedEarlySection(limit: Int?) -> String {
        let rows = stoppedEarly
        guard !rows.isEmpty else { return "" }
        var table = TextTable(
            headers: ["conv", "server", "protocol", "messages", "error"],
            alignments: [.right, .left, .left, .right, .left])
        for conversation in rows.prefix(limit ?? rows.count) {
            table.add([
                "#\(conversation.id)", Self.oneLine(conversation.server), Self.oneLine(conversation.application),
                String(conversation.messages.count), Self.oneLine(conversation.error, width: 100),
            ])
        }
        return "\nConversations that stopped early:\n" + table.render() + "\n" + Self.more(rows.count, limit)
    }

    private func unreproducibleSection(limit: Int?) -> String {
        let rows = unreproducibleMessages
        guard !rows.isEmpty else { return "" }
        var table = TextTable(
            headers: ["conv", "msg", "request", "recorded", "replayed", "why"],
            alignments: [.right, .right, .left, .left, .left, .left])
        for (conversation, message) in rows.prefix(limit ?? rows.count) {
            table.add([
                "#\(conversation)", String(message.index), Self.oneLine(message.request),
                Self.oneLine(message.recordedSummary, width: 30), Self.oneLine(message.replayedSummary, width: 30),
                Self.oneLine(message.unreproducible, width: 100),
            ])
        }
        let limitLine =
            "allowed: \(unreproducibleLimit.allowed(compared: messagesCompared)) (--max-unreproducible"
            + "\(unreproducibleLimit == .automatic ? ", default" : " \(unreproducibleLimit)")), "
            + (exceedsUnreproducibleLimit ? "exceeded" : "not exceeded")
        return "\nUnreproducible (the baseline does not reproduce the recording; \(limitLine)):\n" + table.render()
            + "\n" + Self.more(rows.count, limit)
    }

    private func noiseSection(limit: Int?) -> String {
        guard !noise.isEmpty else { return "" }
        var table = TextTable(headers: ["field", "count", "source"], alignments: [.left, .right, .left])
        for row in noise.prefix(limit ?? noise.count) {
            table.add([Self.oneLine(row.field), ReportFormatting.grouped(row.count), Self.oneLine(row.source)])
        }
        return "\nNoise cancelled:\n" + table.render() + "\n" + Self.more(noise.count, limit)
    }

    private func latencySection() -> String {
        let rows = (latency.overall.map { [$0] } ?? []) + latency.rows.prefix(10)
        guard !rows.isEmpty || !latency.warnings.isEmpty else { return "" }
        var text =
            "\nLatency, recorded -> replayed (threshold +\(ReportFormatting.fixed(latency.threshold * 100, 0))%):\n"
        if !rows.isEmpty {
            var table = TextTable(
                headers: [
                    "request", "count", "p50 recorded", "p50 replayed", "change", "p99 recorded", "p99 replayed",
                    "change",
                ],
                alignments: [.left, .right, .right, .right, .right, .right, .right, .right])
            for row in rows {
                table.add([
                    Self.oneLine(row.key), ReportFormatting.grouped(row.replayed.count),
                    Self.latency(row.recorded.p50), Self.latency(row.replayed.p50),
                    Self.change(row.recorded.p50, row.replayed.p50),
                    Self.latency(row.recorded.p99), Self.latency(row.replayed.p99),
                    Self.change(row.recorded.p99, row.replayed.p99),
                ])
            }
            text += table.render() + "\n"
            if latency.rows.count > 10 {
                text +=
                    "  ... and \(ReportFormatting.grouped(latency.rows.count - 10)) more request keys (report.json has all)\n"
            }
        }
        for warning in latency.warnings {
            text += "WARNING: \(Self.oneLine(warning, width: 200))\n"
        }
        return text
    }

    private func findingsSection(limit: Int?) -> String {
        guard !findings.isEmpty else { return "" }
        var table = TextTable(headers: ["severity", "conv", "code", "message", "also in"])
        let sorted = findings.sorted { $0.severity > $1.severity }
        for finding in sorted.prefix(limit ?? sorted.count) {
            table.add([
                finding.severity.rawValue, finding.conversation.map { "#\($0)" } ?? "-", Self.oneLine(finding.code),
                Self.oneLine(finding.message, width: 100), finding.alsoIn.map { "the " + $0 } ?? "",
            ])
        }
        return "\nFindings on the replayed traffic:\n" + table.render() + "\n" + Self.more(findings.count, limit)
    }

    private static func more(_ total: Int, _ limit: Int?) -> String {
        guard let limit, total > limit else { return "" }
        return "  ... and \(ReportFormatting.grouped(total - limit)) more (--all lists every one)\n"
    }

    /// A latency in nanoseconds as `850us`, `12.3ms`.
    static func latency(_ nanoseconds: Int64) -> String {
        ReportFormatting.microseconds(UInt64(max(nanoseconds, 0) / 1_000))
    }

    /// `+35%`, `-4%`, or `-` when the old value is 0.
    static func change(_ old: Int64, _ new: Int64) -> String {
        guard old > 0 else { return "-" }
        let percent = (Double(new) - Double(old)) / Double(old) * 100
        return (percent >= 0 ? "+" : "") + ReportFormatting.fixed(percent, 0) + "%"
    }

    /// `value` on one line for a terminal: control characters escaped, cut to `width` characters
    /// with `…`; `(none)` for `nil`.
    static func oneLine(_ value: String?, width: Int = 60) -> String {
        guard let value else { return "(none)" }
        var out = ""
        var characters = 0
        for scalar in value.unicodeScalars {
            let piece: String
            switch scalar {
            case "\n": piece = "\\n"
            case "\r": piece = "\\r"
            case "\t": piece = "\\t"
            default:
                // C0, DEL and C1 controls (ESC, CSI) would be interpreted by the terminal.
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    let hex = String(scalar.value, radix: 16)
                    piece = "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    piece = String(scalar)
                }
            }
            if characters + piece.count > width {
                return out + "…"
            }
            out += piece
            characters += piece.count
        }
        return out
    }
}
