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
    /// `status` is the response's status class (`200`, `grpc-14`, `RST_STREAM CANCEL`).
    static func fallback(_ response: RecordedExchange.Response) -> [ContentField] {
        [
            ContentField(path: "status", value: response.code, statusClass: response.code),
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

    /// A status field whose class is not the same on both sides.
    struct StatusChange: Hashable {
        /// The field's path (`status`, `error`, `error.code`, `reply[1]`).
        var path: String
        /// Its class in the recording; `nil` when the recording has no status there.
        var recorded: String?
        /// Its class on the other side; `nil` when that side has no status there.
        var other: String?
    }

    /// The status fields (`ContentField.statusClass`, marked by each protocol's content decoder)
    /// whose class differs between two field lists, recorded order first. A side without a status
    /// field where the other has one differs: an error reply where the recording has a plain one.
    static func statusChanges(_ recorded: [ContentField], _ other: [ContentField]) -> [StatusChange] {
        guard recorded.contains(where: \.isStatus) || other.contains(where: \.isStatus) else { return [] }
        var otherClasses: [String: String] = [:]
        for field in other where field.isStatus && otherClasses[field.path] == nil {
            otherClasses[field.path] = field.statusClass
        }
        var changes: [StatusChange] = []
        var seen = Set<String>()
        for field in recorded where field.isStatus && seen.insert(field.path).inserted {
            if otherClasses[field.path] != field.statusClass {
                changes.append(
                    StatusChange(path: field.path, recorded: field.statusClass, other: otherClasses[field.path]))
            }
        }
        for field in other where field.isStatus && seen.insert(field.path).inserted {
            changes.append(StatusChange(path: field.path, recorded: nil, other: field.statusClass))
        }
        return changes
    }

    /// Status changes in one line: `status 200 -> 503`, `error (none) -> NOAUTH`.
    static func describe(_ changes: [StatusChange]) -> String {
        changes.map { "\($0.path) \($0.recorded ?? "(none)") -> \($0.other ?? "(none)")" }.joined(separator: ", ")
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
