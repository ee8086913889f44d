import InterposeAnalysis
import InterposeCore

extension ReplayReport {
    /// The terminal's correlations section: one row per kind of value learned or given, how often
    /// the replay sent the live value, the values the live answers lacked, and the rules that
    /// matched nothing. Empty when nothing was correlated and no rule was given.
    func correlationsSection(limit: Int?) -> String {
        var text = ""
        if !correlations.isEmpty {
            var table = TextTable(
                headers: ["from", "field", "sent back at", "values", "uses", "applied", "changed", "missing"],
                alignments: [.left, .left, .left, .right, .right, .right, .right, .right])
            for row in correlations.prefix(limit ?? correlations.count) {
                table.add([
                    Self.oneLine(row.source, width: 30), Self.oneLine(row.locator, width: 30),
                    Self.oneLine(row.sentBack.joined(separator: ", "), width: 50), ReportFormatting.grouped(row.values),
                    ReportFormatting.grouped(row.uses), ReportFormatting.grouped(row.applied),
                    ReportFormatting.grouped(row.changed), ReportFormatting.grouped(row.missingIn.count),
                ])
            }
            text += "\nCorrelations (values the server handed out that the client sent back):\n" + table.render() + "\n"
            for row in correlations where !row.missingIn.isEmpty {
                text +=
                    "WARNING: the live answer to \(Self.oneLine(row.source)) had no \(Self.oneLine(row.locator)) in "
                    + row.missingIn.map { "#\($0)" }.joined(separator: ", ") + ": the recorded value was sent\n"
            }
        }
        for rule in unmatchedCorrelationRules {
            text += "WARNING: --correlate '\(Self.oneLine(rule, width: 100))' matched nothing in the recording\n"
        }
        return text
    }

    /// `report.json`'s `correlations` (`[{"from","field","sent_back","rule","values","uses",
    /// "applied","changed","unavailable","missing_in","baseline_applied","baseline_missing"}]`) and
    /// `correlation_rules_unmatched`.
    func writeCorrelations(into json: inout JSONWriter) {
        json.beginArray("correlations")
        for row in correlations {
            json.beginObject()
            json.string("from", row.source)
            json.string("field", row.locator)
            json.beginArray("sent_back")
            for place in row.sentBack { json.string(nil, place) }
            json.endArray()
            json.string("rule", row.rule)
            json.number("values", row.values)
            json.number("uses", row.uses)
            json.number("applied", row.applied)
            json.number("changed", row.changed)
            json.number("unavailable", row.unavailable)
            json.beginArray("missing_in")
            for conversation in row.missingIn { json.number(nil, conversation) }
            json.endArray()
            json.number("baseline_applied", row.baselineApplied)
            json.number("baseline_missing", row.baselineMissing)
            json.endObject()
        }
        json.endArray()
        json.beginArray("correlation_rules_unmatched")
        for rule in unmatchedCorrelationRules { json.string(nil, rule) }
        json.endArray()
    }

    /// The HTML section of the correlations.
    func htmlCorrelations() -> String {
        var html = "<section id=\"correlations\">\n<h2>Correlations</h2>\n"
        guard !correlations.isEmpty || !unmatchedCorrelationRules.isEmpty else {
            return html + "<p class=\"none\">No value a server handed out was sent back.</p>\n</section>\n"
        }
        html += "<p>Values a response handed out that later requests sent back: the replay sent the value "
        html += "the replayed server handed out instead of the recorded one.</p>\n"
        html += "<table>\n<thead><tr><th>from</th><th>field</th><th>sent back at</th><th>rule</th><th>values</th>"
        html += "<th>uses</th><th>applied</th><th>changed</th><th>missing in</th></tr></thead>\n<tbody>\n"
        for row in correlations {
            html += "<tr><td>\(Self.html(row.source))</td><td><code>\(Self.html(row.locator))</code></td>"
            html += "<td>\(Self.html(row.sentBack.joined(separator: ", ")))</td>"
            html += "<td>\(row.rule.map { "<code>" + Self.html($0) + "</code>" } ?? "learned")</td>"
            for number in [row.values, row.uses, row.applied, row.changed] {
                html += "<td class=\"num\">\(ReportFormatting.grouped(number))</td>"
            }
            html += "<td>\(Self.html(row.missingIn.map { "#\($0)" }.joined(separator: ", ")))</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        for rule in unmatchedCorrelationRules {
            html +=
                "<p class=\"warning\">--correlate <code>\(Self.html(rule))</code> matched nothing in the recording.</p>\n"
        }
        return html + "</section>\n"
    }
}
