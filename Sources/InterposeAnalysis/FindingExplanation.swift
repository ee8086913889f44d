import InterposeCore

/// The finding catalogue (`FindingCode`) for people: `interpose explain`, and the README's table.
public enum FindingExplanation {
    /// One code explained: its code, severity (and when another applies) and meaning.
    ///
    /// `interpose explain redis.retried-request` reads
    /// `redis.retried-request  info (warning for HTTP POST and PATCH, which may have run twice)` then the meaning.
    /// - Parameter code: a code as findings carry it (`tcp.gap`, `redis.retried-request`) or a family
    ///   pattern (`*.retried-request`).
    /// - Returns: the text, or `nil` when Interpose reports no such code.
    public static func text(forCode code: String) -> String? {
        guard let kind = FindingCode(code: code) else { return nil }
        var severity = kind.severity.rawValue
        if let other = kind.entry.otherSeverity { severity += " (\(other))" }
        var text = "\(code)  \(severity)\n  \(kind.meaning)\n"
        if kind.isFamily {
            let layers = FindingCode.familyLayers.map { kind.code(in: $0) }.joined(separator: ", ")
            text += "  reported per protocol: \(layers)\n"
        }
        return text
    }

    /// Codes close to one Interpose does not report, for the error line: same problem in another
    /// layer, or same layer.
    public static func suggestions(forCode code: String) -> [String] {
        let parts = code.split(separator: ".", maxSplits: 1).map(String.init)
        let problem = parts.count == 2 ? parts[1] : code
        let layer = parts.count == 2 ? parts[0] : ""
        let all = FindingCode.allCases.map(\.rawValue)
        let sameProblem = all.filter { $0.hasSuffix("." + problem) }
        return sameProblem.isEmpty ? all.filter { $0.hasPrefix(layer + ".") } : sameProblem
    }

    /// Every code as an aligned table, for `interpose explain` without a code.
    public static func table() -> String {
        var table = TextTable(headers: ["code", "severity", "meaning"])
        for kind in FindingCode.allCases {
            table.add([kind.rawValue, kind.severity.rawValue, meaningCell(kind)])
        }
        return table.render(indent: 0)
    }

    /// Every code as a Markdown table: the README's "Findings" table is this text, between its
    /// `<!-- findings:begin -->` and `<!-- findings:end -->` lines.
    public static func markdown() -> String {
        var lines = ["| code | severity | meaning |", "|---|---|---|"]
        for kind in FindingCode.allCases {
            lines.append("| `\(kind.rawValue)` | \(kind.severity.rawValue) | \(meaningCell(kind)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func meaningCell(_ kind: FindingCode) -> String {
        kind.entry.otherSeverity.map { "\(kind.meaning) (\($0))" } ?? kind.meaning
    }
}
