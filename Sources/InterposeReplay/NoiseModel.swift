import InterposeProtocols

/// Noise learned from a baseline, after Diffy's primary and secondary: the recording is the
/// primary, a second instance of the old build answering the same requests is the secondary, and
/// a field that differs between the two varies by itself (a timestamp, a request id), so it is
/// noise when it differs in the new build too.
///
/// Noise is remembered per request key (`GET /users/{id}`), so a field that is noisy for an
/// endpoint is noise for every message of that endpoint and for no other, and with array indices
/// generalized (`json:$.items[3].ts` learned is `json:$.items[*].ts` noise). Several baseline runs
/// (`--runs N`) are learned by calling `learn` once per exchange per run.
public struct NoiseModel: Sendable {
    /// The rules whose regexes mask values before they are compared.
    public var rules: NoiseRules
    /// The schemas gRPC messages are read with (`--proto-descriptor`).
    public var schema: ContentSchema
    private var learned: [String: Set<String>] = [:]

    /// A model that has learned nothing yet.
    public init(rules: NoiseRules = NoiseRules(), schema: ContentSchema = .none) {
        self.rules = rules
        self.schema = schema
    }

    /// Learns the fields that differ between a recorded exchange's response and the baseline's
    /// answer to the same request. Nothing is learned when either has no response (a missing
    /// answer is not a field that varies), and a status or error class (`ContentField.statusClass`)
    /// is never learned: when the baseline's status differs from the recording's, the baseline
    /// did not reproduce the recording there and nothing of that answer is learned (a 503 page
    /// differs from the recorded body everywhere, and none of that is noise). An error message
    /// whose class is the same (`ERR` both) may still differ in its text, and that is learned.
    /// - Returns: how the statuses differ (`status 200 -> 503`) when they do; `nil` otherwise.
    @discardableResult
    public mutating func learn(recorded: RecordedExchange, baseline: RecordedExchange?) -> String? {
        guard let primary = recorded.response, let baseline, let secondary = baseline.response else { return nil }
        let (a, b) = ResponseFields.pair(
            primary, recorded.application, secondary, baseline.application, schema: schema)
        let changes = ResponseFields.statusChanges(a, b)
        guard changes.isEmpty else { return ResponseFields.describe(changes) }
        let differences = ResponseFields.compare(a, b, rules: rules).differences
        guard !differences.isEmpty else { return nil }
        learned[recorded.key, default: []].formUnion(differences.map { ResponseFields.generalized($0.field) })
        return nil
    }

    /// Whether the field (or a field it lies under) was learned as noise for the request key.
    public func isNoise(key: String, field: String) -> Bool {
        guard let fields = learned[key], !fields.isEmpty else { return false }
        let path = ResponseFields.generalized(field)
        if fields.contains(path) { return true }
        // A learned field also covers what is under it: `json:$.meta` covers `json:$.meta.ts`.
        var index = path.startIndex
        while index < path.endIndex {
            if path[index] == "." || path[index] == "[", fields.contains(String(path[..<index])) { return true }
            index = path.index(after: index)
        }
        return false
    }

    /// Whether nothing has been learned.
    public var isEmpty: Bool { learned.isEmpty }

    /// Every learned (request key, generalized field) pair, sorted, for reports and debugging.
    public var learnedFields: [(key: String, field: String)] {
        learned.flatMap { key, fields in fields.map { (key, $0) } }.sorted { ($0.key, $0.field) < ($1.key, $1.field) }
    }

    /// Adds what another model learned (a baseline run learned separately).
    public mutating func merge(_ other: NoiseModel) {
        for (key, fields) in other.learned {
            learned[key, default: []].formUnion(fields)
        }
    }
}
