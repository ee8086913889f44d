import InterposeCore
import InterposeReader

extension AnalysisReport {
    /// The human report: a line about the file, the conversation table, the findings and a verdict.
    /// - Parameter limit: the most conversations and findings listed (the rest are counted); `nil` for all.
    public func renderText(limit: Int? = 200) -> String {
        var out: [String] = []
        var head =
            interface.map {
                "live capture on \($0): link type \(linkType), \(ReportFormatting.plural(statistics.packets, "packet"))"
            }
            ?? "\(path): \(format), link type \(linkType), \(ReportFormatting.plural(statistics.packets, "packet")), \(ReportFormatting.size(fileSize))"
        if let first = statistics.firstTimestamp, let last = statistics.lastTimestamp {
            head +=
                ", from \(ReportFormatting.dateTime(first)) for \(ReportFormatting.duration(nanoseconds: last.nanosecondsSinceEpoch - first.nanosecondsSinceEpoch))"
        }
        out.append(head)
        if let drops {
            out.append("drops: \(drops.summary)")
        }
        if let filter {
            out.append(
                "filter: \(filter) (\(ReportFormatting.grouped(statistics.packets - statistics.filteredOut)) packets matched)"
            )
        }
        out.append("")
        if conversations.isEmpty {
            out.append(
                "No TCP conversations (\(ReportFormatting.grouped(statistics.tcpPackets)) TCP packets, \(ReportFormatting.grouped(statistics.otherPackets)) other packets)."
            )
        } else {
            var table = TextTable(
                headers: [
                    "ID", "CLIENT", "SERVER", "PROTOCOL", "STATE", "START (UTC)", "DURATION", "BYTES C>S",
                    "FRAMES", "BYTES S>C", "FRAMES", "MSGS",
                ],
                alignments: [.right, .left, .left, .left, .left, .left, .right, .right, .right, .right, .right, .right])
            for conversation in conversations.prefix(limit ?? Int.max) {
                let summary = conversation.summary
                table.add([
                    summary.id.description, summary.descriptor.client.description,
                    summary.descriptor.server.description, conversation.protocolName, summary.state.rawValue,
                    ReportFormatting.timeOfDay(summary.start),
                    ReportFormatting.duration(
                        nanoseconds: summary.end.nanosecondsSinceEpoch - summary.start.nanosecondsSinceEpoch),
                    ReportFormatting.grouped(summary.toServer.bytes),
                    ReportFormatting.grouped(summary.toServer.dataFrames),
                    ReportFormatting.grouped(summary.toClient.bytes),
                    ReportFormatting.grouped(summary.toClient.dataFrames),
                    ReportFormatting.grouped(conversation.messages),
                ])
            }
            out.append(table.render())
            if let limit, conversations.count > limit {
                out.append(
                    "  ... \(ReportFormatting.grouped(conversations.count - limit)) more conversations (--all lists them, --json for tools)"
                )
            }
        }
        if !endpoints.isEmpty {
            out.append("")
            out.append(renderEndpoints(limit: limit.map { min($0, 40) }))
        }
        out.append("")
        if findings.isEmpty {
            out.append("No findings.")
        } else {
            out.append("Findings: \(severityCounts())")
            var table = TextTable(
                headers: ["SEVERITY", "CODE", "CONN", "PACKET", "MESSAGE"],
                alignments: [.left, .left, .right, .right, .left])
            let ordered = findings.enumerated().sorted {
                $0.element.severity != $1.element.severity
                    ? $0.element.severity > $1.element.severity : $0.offset < $1.offset
            }
            for (_, finding) in ordered.prefix(limit ?? Int.max) {
                var message = finding.message
                if let detail = finding.detail, !detail.isEmpty { message += " (\(detail))" }
                table.add([
                    finding.severity.rawValue, finding.code, finding.connection?.description ?? "-",
                    finding.frame.map { String($0) } ?? "-", message,
                ])
            }
            out.append(table.render())
            if let limit, findings.count > limit {
                out.append("  ... \(ReportFormatting.grouped(findings.count - limit)) more findings (--all lists them)")
            }
        }
        out.append("")
        out.append(verdict())
        return out.joined(separator: "\n") + "\n"
    }

    /// The last line: counts and whether anything is wrong.
    public func verdict() -> String {
        var states: [ConnectionState: Int] = [:]
        for conversation in conversations { states[conversation.summary.state, default: 0] += 1 }
        let breakdown = ConnectionState.allCases.compactMap { state in
            states[state].map { "\(ReportFormatting.grouped($0)) \(state.rawValue)" }
        }.joined(separator: ", ")
        let payload = conversations.reduce(Int64(0)) { $0 + $1.summary.toServer.bytes + $1.summary.toClient.bytes }
        var line = ReportFormatting.plural(conversations.count, "conversation")
        if !breakdown.isEmpty { line += " (\(breakdown))" }
        line += ", \(ReportFormatting.size(payload)) of payload; "
        let errors = count(.error)
        let warnings = count(.warning)
        if errors > 0 {
            line += "FAIL: \(ReportFormatting.plural(errors, "error")), \(ReportFormatting.plural(warnings, "warning"))"
        } else if warnings > 0 {
            line += "OK with \(ReportFormatting.plural(warnings, "warning"))"
        } else {
            line += "OK"
        }
        return line
    }

    /// The endpoint table: requests, failures and latency per service and request key.
    public func renderEndpoints(limit: Int? = nil) -> String {
        var table = TextTable(
            headers: [
                "SERVER", "PROTOCOL", "REQUEST", "COUNT", "FAILED", "STATUSES", "P50 FIRST", "P99 FIRST", "P50 LAST",
                "P99 LAST",
            ],
            alignments: [.left, .left, .left, .right, .right, .left, .right, .right, .right, .right])
        for group in endpoints.prefix(limit ?? Int.max) {
            let statuses = group.failureCodes.sorted { $0.value > $1.value }.prefix(3)
                .map { "\($0.key.code) x\($0.value)" }.joined(separator: ", ")
            table.add([
                group.server.description, group.application.rawValue, group.key,
                ReportFormatting.grouped(group.requests),
                ReportFormatting.grouped(group.failures), statuses.isEmpty ? "-" : statuses,
                ReportFormatting.microseconds(group.latency(50)), ReportFormatting.microseconds(group.latency(99)),
                ReportFormatting.microseconds(group.latency(50, lastByte: true)),
                ReportFormatting.microseconds(group.latency(99, lastByte: true)),
            ])
        }
        var text =
            "Requests by endpoint (latency from the end of the request to the first and last byte of the response):\n"
        text += table.render()
        if let limit, endpoints.count > limit {
            text += "\n  ... \(ReportFormatting.grouped(endpoints.count - limit)) more endpoints (--json lists them)"
        }
        return text
    }

    private func severityCounts() -> String {
        let errors = ReportFormatting.plural(count(.error), "error")
        let warnings = ReportFormatting.plural(count(.warning), "warning")
        return "\(errors), \(warnings), \(ReportFormatting.grouped(count(.info))) info"
    }
}
