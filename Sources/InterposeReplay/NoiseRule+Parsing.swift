import Foundation

extension NoiseRule {
    /// Parses one rule as written after `--ignore`: `header:NAME`, `json:$.PATH`, `field:PATH` or
    /// `regex:PATTERN` (the pattern is checked to compile).
    public init(parsing spec: String) throws(NoiseRuleError) {
        let kinds: [(prefix: String, make: (String) -> NoiseRule)] = [
            ("header:", { .header($0) }), ("json:", { .json($0) }), ("field:", { .field($0) }),
            ("regex:", { .regex($0) }),
        ]
        guard let kind = kinds.first(where: { spec.lowercased().hasPrefix($0.prefix) }) else {
            throw NoiseRuleError(spec: spec, reason: .unknownKind)
        }
        let rest = String(spec.dropFirst(kind.prefix.count))
        guard !rest.isEmpty else { throw NoiseRuleError(spec: spec, reason: .empty) }
        let rule = kind.make(rest)
        switch rule {
        case .json(let path) where !path.hasPrefix("$"):
            throw NoiseRuleError(spec: spec, reason: .jsonPathWithoutRoot)
        case .regex(let pattern):
            guard (try? NSRegularExpression(pattern: pattern)) != nil else {
                throw NoiseRuleError(spec: spec, reason: .invalidRegex)
            }
        default:
            break
        }
        self = rule
    }
}
