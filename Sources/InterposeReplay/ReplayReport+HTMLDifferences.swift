import InterposeAnalysis

extension ReplayReport {
    /// The most rows of the differences table at the top of the page; the cards below and
    /// `report.json` have the rest.
    static let htmlDifferenceRowLimit = 200

    /// The differences, first after the summary (before latency): one row per differing field with
    /// its conversation, message (a link to the message's card), request, and both values.
    func htmlDifferences() -> String {
        var html = "<section id=\"differences\">\n<h2>Differences</h2>\n"
        let rows = differences
        guard !rows.isEmpty else {
            return html + "<p class=\"none\">None: every compared field is the same or noise.</p>\n</section>\n"
        }
        html += "<table>\n<thead><tr><th>conversation</th><th>message</th><th>request</th><th>field</th>"
        html += "<th>recorded</th><th>replayed</th></tr></thead>\n<tbody>\n"
        for row in rows.prefix(Self.htmlDifferenceRowLimit) {
            html += "<tr><td><a href=\"#c\(row.conversation)\">#\(row.conversation)</a></td>"
            html += "<td><a href=\"#c\(row.conversation)-m\(row.message.index)\">\(row.message.index)</a></td>"
            html += "<td><code>\(Self.html(row.message.request, limit: 200))</code></td>"
            html += "<td><code>\(Self.html(row.difference.field))</code></td>"
            html += "<td class=\"del\">\(Self.htmlValue(row.difference.recorded))</td>"
            html += "<td class=\"add\">\(Self.htmlValue(row.difference.replayed))</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        if rows.count > Self.htmlDifferenceRowLimit {
            html += "<p class=\"cut\">\(ReportFormatting.grouped(rows.count - Self.htmlDifferenceRowLimit)) more "
            html += "differences are left out of this table; report.json lists them all.</p>\n"
        }
        return html + "</section>\n"
    }

    /// The messages the baseline does not reproduce, with their request and why, and whether there
    /// are more than `--max-unreproducible` allows.
    func htmlUnreproducible() -> String {
        var html = "<section id=\"unreproducible\">\n<h2>Unreproducible</h2>\n"
        let rows = unreproducibleMessages
        guard !rows.isEmpty else {
            return html + "<p class=\"none\">None: the baseline reproduced every recorded status.</p>\n</section>\n"
        }
        let allowed = unreproducibleLimit.allowed(compared: messagesCompared)
        html += "<p\(exceedsUnreproducibleLimit ? " class=\"error\"" : "")>"
        html += "The old build does not reproduce the recording for \(ReportFormatting.grouped(rows.count)) of "
        html += "\(ReportFormatting.grouped(messagesCompared)) messages (\(Self.html(allowed)) allowed by "
        html += "<code>--max-unreproducible</code>): they are not the target's regressions, "
        html += exceedsUnreproducibleLimit ? "but so many make the replay prove nothing." : "and are left out."
        html += "</p>\n"
        html += "<table>\n<thead><tr><th>conversation</th><th>message</th><th>request</th><th>recorded</th>"
        html += "<th>replayed</th><th>why</th></tr></thead>\n<tbody>\n"
        for (conversation, message) in rows.prefix(Self.htmlDifferenceRowLimit) {
            html += "<tr><td><a href=\"#c\(conversation)\">#\(conversation)</a></td>"
            html += "<td class=\"num\">\(message.index)</td>"
            html += "<td><code>\(Self.html(message.request, limit: 200))</code></td>"
            html +=
                "<td>\(Self.htmlValue(message.recordedSummary))</td><td>\(Self.htmlValue(message.replayedSummary))</td>"
            html += "<td>\(Self.htmlValue(message.unreproducible))</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        if rows.count > Self.htmlDifferenceRowLimit {
            html += "<p class=\"cut\">\(ReportFormatting.grouped(rows.count - Self.htmlDifferenceRowLimit)) more; "
            html += "report.json lists them all.</p>\n"
        }
        return html + "</section>\n"
    }
}
