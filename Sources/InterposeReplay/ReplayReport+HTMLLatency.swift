import InterposeAnalysis
import InterposeCore

extension ReplayReport {
    /// The latency section: an inline SVG bar chart of p50 and p99, recorded against replayed, for
    /// all messages and the ten slowest request keys, a table with the numbers, and the warnings.
    func htmlLatency() -> String {
        var html = "<section id=\"latency\">\n<h2>Latency, recorded against replayed</h2>\n"
        let rows = (latency.overall.map { [$0] } ?? []) + latency.rows.prefix(10)
        for warning in latency.warnings {
            html += "<div class=\"warning\">WARNING: \(Self.html(warning, limit: 1_000))</div>\n"
        }
        guard !rows.isEmpty else { return html + "<p class=\"none\">No message has both latencies.</p>\n</section>\n" }
        html += "<p class=\"dim\">Request start to response end. A row is marked slower when its replayed p50 or p99 "
        html +=
            "is more than \(ReportFormatting.fixed(latency.threshold * 100, 0))% (and 0.1 ms) above the recorded one, "
        html += "over at least \(LatencyComparison.minimumSamples) messages.</p>\n"
        html += latencyChart(rows)
        html +=
            "<table>\n<thead><tr><th>request</th><th>count</th><th>p50 recorded</th><th>p50 replayed</th><th>change</th>"
        html += "<th>p99 recorded</th><th>p99 replayed</th><th>change</th></tr></thead>\n<tbody>\n"
        for row in rows {
            html +=
                "<tr\(isSlower(row) ? " class=\"slower\"" : "")><td><code>\(Self.html(row.key, limit: 200))</code></td>"
            html += "<td class=\"num\">\(ReportFormatting.grouped(row.replayed.count))</td>"
            html +=
                "<td class=\"num\">\(Self.latency(row.recorded.p50))</td><td class=\"num\">\(Self.latency(row.replayed.p50))</td>"
            html += "<td class=\"num\">\(Self.change(row.recorded.p50, row.replayed.p50))</td>"
            html +=
                "<td class=\"num\">\(Self.latency(row.recorded.p99))</td><td class=\"num\">\(Self.latency(row.replayed.p99))</td>"
            html += "<td class=\"num\">\(Self.change(row.recorded.p99, row.replayed.p99))</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        if latency.rows.count > 10 {
            html +=
                "<p class=\"dim\">\(ReportFormatting.grouped(latency.rows.count - 10)) more request keys in report.json.</p>\n"
        }
        return html + "</section>\n"
    }

    /// Whether a row is marked slower (`LatencyComparison.isSlower`, the rule of the warnings).
    func isSlower(_ row: LatencyComparison.Row) -> Bool {
        latency.isSlower(row)
    }

    /// Horizontal bars, four per request key (p50 and p99, recorded and replayed) on one linear
    /// scale, with the values at the bars' ends and a legend.
    private func latencyChart(_ rows: [LatencyComparison.Row]) -> String {
        let width = 960
        let labelWidth = 300
        let valueWidth = 80
        let barArea = width - labelWidth - valueWidth
        let barHeight = 9
        let rowHeight = 4 * (barHeight + 2) + 14
        let legendHeight = 28
        let height = legendHeight + rows.count * rowHeight + 4
        let largest = rows.map { max($0.recorded.p99, $0.replayed.p99, $0.recorded.p50, $0.replayed.p50) }.max() ?? 0
        let scale = Double(barArea) / Double(max(largest, 1))
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" "
        svg +=
            "width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"latency p50 and p99, recorded against replayed\">\n"
        let series: [(String, String)] = [
            ("p50 recorded", "s-rec50"), ("p50 replayed", "s-rep50"), ("p99 recorded", "s-rec99"),
            ("p99 replayed", "s-rep99"),
        ]
        for (index, (label, style)) in series.enumerated() {
            let x = labelWidth + index * 150
            svg += "<rect class=\"\(style)\" x=\"\(x)\" y=\"6\" width=\"14\" height=\"12\"/>"
            svg += "<text x=\"\(x + 20)\" y=\"16\" class=\"legend\">\(label)</text>\n"
        }
        for (index, row) in rows.enumerated() {
            let top = legendHeight + index * rowHeight
            let slower = isSlower(row)
            let label = row.key.count > 40 ? String(row.key.prefix(39)) + "…" : row.key
            svg += "<g class=\"row\(slower ? " slower" : "")\"><title>\(Self.html(row.key, markup: false))</title>\n"
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(top + rowHeight / 2)\" text-anchor=\"end\" class=\"key\">"
            svg += "\(slower ? "⚠ " : "")\(Self.html(label, markup: false))</text>\n"
            let values = [row.recorded.p50, row.replayed.p50, row.recorded.p99, row.replayed.p99]
            for (bar, value) in values.enumerated() {
                let y = top + 4 + bar * (barHeight + 2)
                let length = max(1, Int(saturating: (Double(max(value, 0)) * scale).rounded()))
                svg +=
                    "<rect class=\"\(series[bar].1)\" x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(length)\" height=\"\(barHeight)\">"
                svg += "<title>\(series[bar].0) \(Self.latency(value))</title></rect>"
                svg +=
                    "<text x=\"\(labelWidth + length + 4)\" y=\"\(y + barHeight - 1)\" class=\"val\">\(Self.latency(value))</text>\n"
            }
            svg += "</g>\n"
        }
        return svg + "</svg>\n"
    }
}
