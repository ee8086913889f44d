import Foundation

extension CorrelationRule {
    /// The `correlate FROM => TO` lines of a rules file (the `--ignore-file` format: a line starting
    /// with `correlate ` is a correlation rule, every other line a noise rule). Errors name the file
    /// and the line; a file that cannot be read is left to the noise rules' loader to report.
    public static func load(file path: String) throws(CorrelationRuleError) -> [CorrelationRule] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            return []
        }
        var rules: [CorrelationRule] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.hasPrefix(filePrefix) else { continue }
            let spec = String(trimmed.dropFirst(filePrefix.count))
            do {
                rules.append(try CorrelationRule(parsing: spec))
            } catch {
                throw CorrelationRuleError(spec: spec, reason: error.reason, file: path, line: index + 1)
            }
        }
        return rules
    }

    /// What starts a correlation rule's line in a rules file.
    public static let filePrefix = "correlate "
}
