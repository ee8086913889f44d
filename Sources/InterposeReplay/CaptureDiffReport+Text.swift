import InterposeAnalysis

extension CaptureDiffReport {
    /// The report for people: the counts per verdict, a table of every exchange that is not the
    /// same (request, old and new response, what changed), and a verdict line.
    /// - Parameter limit: the most rows the table shows; `nil` for all.
    public func renderText(limit: Int? = 200) -> String {
        var text = "A: \(pathA) (\(conversationsA) conversations)\n"
        text += "B: \(pathB) (\(conversationsB) conversations)\n\n"
        var counts = TextTable(
            headers: ["same", "differs", "missing", "extra"], alignments: [.right, .right, .right, .right])
        counts.add(ExchangeDiff.Status.allCases.map { String(count($0)) })
        text += counts.render() + "\n"
        let differences = exchanges.filter { $0.status != .same }
        if !differences.isEmpty {
            text += "\nDifferences:\n"
            var table = TextTable(headers: ["status", "conn A", "conn B", "request", "old", "new", "detail"])
            for row in differences.prefix(limit ?? differences.count) {
                table.add([
                    row.status.rawValue, row.connectionA.map { "#\($0)" } ?? "-",
                    row.connectionB.map { "#\($0)" } ?? "-",
                    row.request, row.old ?? "-", row.new ?? "-", row.detail,
                ])
            }
            text += table.render() + "\n"
            if let limit, differences.count > limit {
                text += "  ... and \(differences.count - limit) more (--all lists every one)\n"
            }
        }
        text += "\n"
        if hasDifferences {
            text += "DIFFERENT: \(count(.differs)) differ, \(count(.missing)) missing, \(count(.extra)) extra "
            text += "of \(exchanges.count) exchanges\n"
        } else {
            text += "SAME: all \(exchanges.count) exchanges have the same requests and responses\n"
        }
        return text
    }
}
