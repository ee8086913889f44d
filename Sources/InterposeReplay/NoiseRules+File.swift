import Foundation

extension NoiseRules {
    /// Rules from a file: one rule per line as `--ignore` takes it; blank lines, lines starting
    /// with `#` and `correlate` lines (`CorrelationRule.load(file:)`) are skipped. Errors name the file and the line.
    public static func load(file path: String) throws(NoiseRuleError) -> NoiseRules {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NoiseRuleError(spec: path, reason: .unreadableFile("no such file"))
        }
        guard !isDirectory.boolValue else {
            throw NoiseRuleError(spec: path, reason: .unreadableFile("it is a directory"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NoiseRuleError(spec: path, reason: .unreadableFile("permission denied"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw NoiseRuleError(spec: path, reason: .unreadableFile("it is not UTF-8 text"))
        }
        var rules = NoiseRules()
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let spec = line.trimmingCharacters(in: .whitespacesAndNewlines)
            // `correlate FROM => TO` lines are correlation rules (`CorrelationRule.load(file:)`).
            guard !spec.isEmpty, !spec.hasPrefix("#"), !spec.hasPrefix(CorrelationRule.filePrefix) else { continue }
            do {
                rules.add(try NoiseRule(parsing: spec))
            } catch {
                throw NoiseRuleError(spec: spec, reason: error.reason, file: path, line: index + 1)
            }
        }
        return rules
    }
}
