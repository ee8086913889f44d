/// An `--ignore` rule that cannot be used, or a rules file that cannot be read; the description is
/// one line naming the rule (and the file and line it came from) and what to write instead.
public struct NoiseRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Hashable {
        /// The rule starts with none of `header:`, `json:`, `field:`, `regex:`.
        case unknownKind
        /// The name, path or pattern after the kind is empty (`header:`).
        case empty
        /// A `json:` path that does not start with `$`.
        case jsonPathWithoutRoot
        /// A `regex:` pattern NSRegularExpression rejects.
        case invalidRegex
        /// The rules file cannot be read; the text says why.
        case unreadableFile(String)
    }

    /// The rule as written (or the file's path for `unreadableFile`).
    public var spec: String
    /// What is wrong.
    public var reason: Reason
    /// The rules file the rule came from; `nil` for a rule given on the command line.
    public var file: String?
    /// The rule's line in `file`, from 1.
    public var line: Int?

    /// An error from its parts.
    public init(spec: String, reason: Reason, file: String? = nil, line: Int? = nil) {
        self.spec = spec
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// `--ignore 'xyz': expected header:NAME, json:$.PATH, field:PATH or regex:PATTERN`.
    public var description: String {
        let source = file.map { "\($0):\(line ?? 0): '\(spec)'" } ?? "--ignore '\(spec)'"
        switch reason {
        case .unknownKind:
            return source + ": expected header:NAME, json:$.PATH, field:PATH or regex:PATTERN"
        case .empty:
            return source
                + ": nothing after the kind; write e.g. header:date, json:$.meta.ts, field:row[*].updated_at, regex:[0-9a-f-]{36}"
        case .jsonPathWithoutRoot:
            return source + ": a JSON path starts at the root $, e.g. json:$.meta.ts or json:$.items[*].id"
        case .invalidRegex:
            return source
                + ": invalid regular expression: it does not compile (check that ( [ { are closed; escape . * + ? ( ) [ { \\ with \\ to match them)"
        case .unreadableFile(let why):
            return "cannot read noise rules file '\(spec)': \(why); give a readable UTF-8 file with one rule per line"
        }
    }
}
