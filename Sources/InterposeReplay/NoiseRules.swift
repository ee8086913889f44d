import Foundation

/// The `--ignore` rules of a run, ready to use: which fields are noise, and the masking of values.
public struct NoiseRules: Sendable {
    /// The rules, in the order given.
    public private(set) var rules: [NoiseRule] = []
    private var patterns: [FieldPattern] = []
    private var expressions: [NSRegularExpression] = []

    /// No rules: nothing is noise.
    public init() {}

    /// Rules parsed from `--ignore` values.
    public init(_ specs: [String]) throws(NoiseRuleError) {
        for spec in specs {
            add(try NoiseRule(parsing: spec))
        }
    }

    /// Whether there are no rules.
    public var isEmpty: Bool { rules.isEmpty }

    /// Whether a field rule (`header:`, `json:`, `field:`) covers the field's path.
    public func matches(field: String) -> Bool {
        patterns.contains { $0.matches(field) }
    }

    /// The value with every match of every `regex:` rule replaced by `<ignored>`.
    public func mask(_ value: String) -> String {
        var value = value
        for expression in expressions {
            value = expression.stringByReplacingMatches(
                in: value, range: NSRange(value.startIndex..., in: value), withTemplate: "<ignored>")
        }
        return value
    }

    /// These rules followed by `other`'s.
    public mutating func merge(_ other: NoiseRules) {
        rules += other.rules
        patterns += other.patterns
        expressions += other.expressions
    }

    /// Both sets of rules: `lhs`'s then `rhs`'s.
    public static func + (lhs: NoiseRules, rhs: NoiseRules) -> NoiseRules {
        var merged = lhs
        merged.merge(rhs)
        return merged
    }

    /// Adds a parsed rule (a regex rule's pattern was checked to compile when it was parsed).
    mutating func add(_ rule: NoiseRule) {
        rules.append(rule)
        if let pattern = rule.fieldPattern {
            patterns.append(FieldPattern(pattern))
        } else if case .regex(let pattern) = rule, let expression = try? NSRegularExpression(pattern: pattern) {
            expressions.append(expression)
        }
    }
}
