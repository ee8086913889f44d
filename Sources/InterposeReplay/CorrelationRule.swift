import InterposeProtocols

/// A `--correlate` rule: values at a place in responses that requests send back, for what the
/// learner cannot see on its own (a value shorter than `CorrelationLearner.minimumLength`, or one
/// the client also sent before the server handed it out).
///
/// Written `FROM => TO`: `FROM` is a response field as `--ignore` writes it (`json:$.token`,
/// `header:etag`, `cookie:sid`, `reply`, `row[*].id`, with `[*]` and `*` wildcards); `TO` is a
/// place in a request (`header:authorization`, `path`, `query`, `body`, `arg[1]`, `sql`,
/// `bind[0]`, or `*` for any). Each value found at `FROM` replaces the recorded value wherever a
/// later request sent it back at `TO`.
public struct CorrelationRule: Sendable, Hashable, CustomStringConvertible {
    /// The response field, as written.
    public var from: String
    /// The request place, lowercased; `*` for any.
    public var to: String
    /// The rule as written.
    public var spec: String

    /// A rule from its parts.
    public init(from: String, to: String, spec: String) {
        self.from = from
        self.to = to.lowercased()
        self.spec = spec
    }

    /// Parses `FROM => TO`.
    public init(parsing spec: String) throws(CorrelationRuleError) {
        let parts = spec.components(separatedBy: "=>")
        guard parts.count == 2 else { throw CorrelationRuleError(spec: spec, reason: .noArrow) }
        let from = parts[0].trimmingSpaces
        let to = parts[1].trimmingSpaces
        guard !from.isEmpty, !to.isEmpty else { throw CorrelationRuleError(spec: spec, reason: .emptySide) }
        if from.hasPrefix("json:"), !from.hasPrefix("json:$") {
            throw CorrelationRuleError(spec: spec, reason: .jsonPathWithoutRoot)
        }
        self.init(from: from.hasPrefix("header:") ? from.lowercased() : from, to: to, spec: spec)
    }

    /// The response field pattern.
    var fromPattern: FieldPattern { FieldPattern(from) }

    /// Whether a place a request sent the value at is this rule's `TO`: the same place, or under
    /// it (`header` covers every header).
    func covers(place: String) -> Bool {
        ValueSubstitution(recorded: [], live: [], onlyAt: to).applies(at: place)
    }

    /// `json:$.token => header:authorization`.
    public var description: String { spec }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        return String(text)
    }
}
