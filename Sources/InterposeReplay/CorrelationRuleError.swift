/// A `--correlate` rule that cannot be used; the description is one line naming the rule (and the
/// file and line it came from) and what to write instead.
public struct CorrelationRuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Hashable {
        /// No `=>` (or more than one) between the response field and the request place.
        case noArrow
        /// Nothing on one side of `=>`.
        case emptySide
        /// A `json:` field that does not start at the root `$`.
        case jsonPathWithoutRoot
    }

    /// The rule as written.
    public var spec: String
    /// What is wrong.
    public var reason: Reason
    /// The rules file it came from; `nil` for the command line.
    public var file: String?
    /// Its line in `file`, from 1.
    public var line: Int?

    /// An error from its parts.
    public init(spec: String, reason: Reason, file: String? = nil, line: Int? = nil) {
        self.spec = spec
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// `--correlate 'xyz': expected FROM => TO, e.g. json:$.token => header:authorization`.
    public var description: String {
        let source = file.map { "\($0):\(line ?? 0): 'correlate \(spec)'" } ?? "--correlate '\(spec)'"
        switch reason {
        case .noArrow, .emptySide:
            return source
                + ": expected RESPONSE-FIELD => REQUEST-PLACE, e.g. json:$.token => header:authorization or reply => arg[1]"
        case .jsonPathWithoutRoot:
            return source + ": a JSON path starts at the root $, e.g. json:$.token => header:authorization"
        }
    }
}
