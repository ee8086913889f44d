import InterposeProtocols

/// The field-by-field comparison that the noise model and the comparer share: both sides decoded
/// (or both reduced to status and body fingerprint when either cannot be), values masked by the
/// rules, differences by path.
enum ResponseFields {
    /// The fields of two responses, decoded the same way (gRPC messages with `schema`): by content
    /// when both decode, else `status` (the code) and `body` (the body fingerprint) for both.
    static func pair(
        _ recorded: RecordedExchange.Response, _ recordedApplication: ApplicationProtocol,
        _ replayed: RecordedExchange.Response, _ replayedApplication: ApplicationProtocol, schema: ContentSchema
    ) -> (recorded: [ContentField], replayed: [ContentField]) {
        if let a = decoded(recorded, recordedApplication, schema),
            let b = decoded(replayed, replayedApplication, schema)
        {
            return (a, b)
        }
        return (fallback(recorded), fallback(replayed))
    }

    /// `status` and `body` (the fingerprint as hex): what is known of a response without content.
    static func fallback(_ response: RecordedExchange.Response) -> [ContentField] {
        [
            ContentField(path: "status", value: response.code),
            ContentField(path: "body", value: "0x" + ByteText.hex64(response.bodyFingerprint)),
        ]
    }

    private static func decoded(
        _ response: RecordedExchange.Response, _ application: ApplicationProtocol, _ schema: ContentSchema
    ) -> [ContentField]? {
        guard !response.content.isEmpty else { return nil }
        return ContentDecoder.fields(ofResponse: response.content, application: application, schema: schema).map(
            ContentField.joiningRepeats)
    }

    /// The result of comparing two field lists.
    struct Comparison {
        /// Fields whose masked values differ (or that one side lacks), recorded order first, with
        /// the masked values.
        var differences: [FieldDifference] = []
        /// Fields whose values differ only in what the rules' regexes mask.
        var masked: [String] = []
    }

    /// Compares by path: the union of paths, the recorded side's order first; a path on one side
    /// only is a difference with `nil` on the other side.
    static func compare(_ recorded: [ContentField], _ replayed: [ContentField], rules: NoiseRules) -> Comparison {
        var replayedValues: [String: String] = [:]
        for field in replayed where replayedValues[field.path] == nil {
            replayedValues[field.path] = field.value
        }
        var comparison = Comparison()
        var seen = Set<String>()
        for field in recorded where seen.insert(field.path).inserted {
            let other = replayedValues[field.path]
            guard other != field.value else { continue }
            guard let other else {
                comparison.differences.append(
                    FieldDifference(field: field.path, recorded: rules.mask(field.value), replayed: nil))
                continue
            }
            let (a, b) = (rules.mask(field.value), rules.mask(other))
            if a == b {
                comparison.masked.append(field.path)
            } else {
                comparison.differences.append(FieldDifference(field: field.path, recorded: a, replayed: b))
            }
        }
        for field in replayed where seen.insert(field.path).inserted {
            comparison.differences.append(
                FieldDifference(field: field.path, recorded: nil, replayed: rules.mask(field.value)))
        }
        return comparison
    }

    /// The path with every array index written `[*]`: `json:$.items[3].ts` → `json:$.items[*].ts`.
    static func generalized(_ path: String) -> String {
        var out = ""
        var index = path.startIndex
        while index < path.endIndex {
            let character = path[index]
            if character == "[" {
                let digitsStart = path.index(after: index)
                let digitsEnd = path[digitsStart...].firstIndex { !$0.isASCII || !$0.isNumber } ?? path.endIndex
                if digitsEnd > digitsStart, digitsEnd < path.endIndex, path[digitsEnd] == "]" {
                    out += "[*]"
                    index = path.index(after: digitsEnd)
                    continue
                }
            }
            out.append(character)
            index = path.index(after: index)
        }
        return out
    }
}
