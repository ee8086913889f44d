import InterposeCore

extension AnalysisReport {
    /// The `check` report for people: what was read (protocols, messages), the endpoint table,
    /// then the findings in three clearly separate groups (errors fail the check; warnings and info
    /// do not), and the verdict.
    public func renderCheckText(limit: Int? = 200) -> String {
        var out: [String] = []
        var protocols: [String: (conversations: Int, messages: Int)] = [:]
        for conversation in conversations {
            protocols[conversation.protocolName, default: (0, 0)].conversations += 1
            protocols[conversation.protocolName, default: (0, 0)].messages += conversation.messages
        }
        let read = protocols.sorted { $0.value.conversations > $1.value.conversations }.map {
            "\($0.key) \(ReportFormatting.plural($0.value.conversations, "conversation")) / \(ReportFormatting.plural($0.value.messages, "message"))"
        }
        out.append(
            "\(path): \(ReportFormatting.plural(statistics.packets, "packet")); \(read.isEmpty ? "no TCP conversations" : read.joined(separator: ", "))"
        )
        if let drops {
            out.append("drops: \(drops.summary)")
        }
        if !endpoints.isEmpty {
            out.append("")
            out.append(renderEndpoints(limit: limit.map { min($0, 40) }))
        }
        for (severity, title) in [
            (Severity.error, "Errors (these fail the check)"), (.warning, "Warnings (do not fail the check)"),
            (.info, "Information"),
        ] {
            let group = findings.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            out.append("")
            out.append("\(title): \(ReportFormatting.grouped(group.count))")
            var table = TextTable(
                headers: ["CODE", "CONN", "PACKET", "MESSAGE"], alignments: [.left, .right, .right, .left])
            for finding in group.prefix(limit ?? Int.max) {
                var message = finding.message
                if let detail = finding.detail, !detail.isEmpty { message += " (\(detail))" }
                table.add([
                    finding.code, finding.connection?.description ?? "-", finding.frame.map { String($0) } ?? "-",
                    message,
                ])
            }
            out.append(table.render())
            if let limit, group.count > limit {
                out.append(
                    "  ... \(ReportFormatting.grouped(group.count - limit)) more (--all lists them, --json for tools)")
            }
        }
        if findings.isEmpty {
            out.append("")
            out.append("No findings.")
        }
        out.append("")
        out.append(verdict())
        return out.joined(separator: "\n") + "\n"
    }
}
