import InterposeProtocols

/// Compares recorded exchanges with their replayed partners one message at a time: decodes both
/// responses into fields, diffs them by path, cancels what the `--ignore` rules and the learned
/// baseline noise say is noise, gives the verdict and keeps count of the noise it cancelled.
public struct ExchangeComparer: Sendable {
    /// The `--ignore` rules: fields they match are noise, values are masked by their regexes.
    public var rules: NoiseRules
    /// Noise learned from the baseline.
    public var noise: NoiseModel
    /// The schemas gRPC messages are read with (`--proto-descriptor`).
    public var schema: ContentSchema
    private var counts: [Counted: Int] = [:]
    /// Messages per wildcard root (`reply[*]`, the path up to its first `[*]`) and source: the
    /// count of a collapsed row.
    private var rootCounts: [Counted: Int] = [:]

    private struct Counted: Hashable {
        var field: String
        var source: String
    }

    /// A comparer with rules, learned noise and schemas (none by default).
    public init(rules: NoiseRules = NoiseRules(), noise: NoiseModel = NoiseModel(), schema: ContentSchema = .none) {
        self.rules = rules
        self.noise = noise
        self.schema = schema
    }

    /// Fields cancelled as noise so far, with the number of messages each was cancelled in and why
    /// (`rule` or `baseline`), the most frequent first. Array indices are written `[*]` so a
    /// noisy column counts once per message, not once per row, and fields under one wildcard
    /// root at more than one depth (`reply[*]`, `reply[*][*]`, `reply[*][*][*]`: a nested reply
    /// that is noise at every depth) are one row, `reply[*]...`, counting the messages any of
    /// them was cancelled in.
    public var noiseCounts: [NoiseCount] {
        var depths: [Counted: Set<Int>] = [:]
        for key in counts.keys {
            guard let root = Self.wildcardRoot(key.field) else { continue }
            depths[Counted(field: root, source: key.source), default: []].insert(Self.wildcards(key.field))
        }
        let collapsed = Set(depths.filter { $0.value.count > 1 }.keys)
        var rows: [NoiseCount] = []
        for (key, count) in counts {
            if let root = Self.wildcardRoot(key.field), collapsed.contains(Counted(field: root, source: key.source)) {
                continue
            }
            rows.append(NoiseCount(field: key.field, count: count, source: key.source))
        }
        for root in collapsed {
            rows.append(NoiseCount(field: root.field + "...", count: rootCounts[root] ?? 0, source: root.source))
        }
        return rows.sorted { ($1.count, $0.field, $0.source) < ($0.count, $1.field, $1.source) }
    }

    /// The path up to and including its first `[*]`; `nil` without one.
    private static func wildcardRoot(_ field: String) -> String? {
        field.range(of: "[*]").map { String(field[..<$0.upperBound]) }
    }

    /// How many `[*]` the path has.
    private static func wildcards(_ field: String) -> Int {
        field.components(separatedBy: "[*]").count - 1
    }

    /// The verdict for one message: `extra` when only the replay has it (or only the replay has a
    /// response), `missing` when the recording has a response and the replay none, `same` when
    /// neither has one or every differing field is noise, else `differs` with the differences.
    /// - Parameter index: the exchange's position in its conversation.
    public mutating func compare(recorded: RecordedExchange?, replayed: RecordedExchange?, index: Int) -> MessageResult
    {
        let exchange = recorded ?? replayed
        var result = MessageResult(
            index: index, request: exchange?.summary ?? "", key: exchange?.key ?? "",
            requestText: exchange.map(requestText) ?? "", verdict: .same,
            recordedSummary: recorded?.response?.summary, replayedSummary: replayed?.response?.summary,
            recordedText: recorded.map(responseText) ?? "", replayedText: replayed.map(responseText) ?? "",
            recordedLatency: recorded?.response?.latencyNanoseconds,
            replayedLatency: replayed?.response?.latencyNanoseconds)
        guard let recorded else {
            result.verdict = .extra
            return result
        }
        switch (recorded.response, replayed?.response) {
        case (nil, nil):
            result.verdict = .same
        case (.some, nil):
            result.verdict = .missing
        case (nil, .some):
            result.verdict = .extra
        case (.some(let old), .some(let new)):
            let replayed = replayed!
            let (a, b) = ResponseFields.pair(old, recorded.application, new, replayed.application, schema: schema)
            let comparison = ResponseFields.compare(a, b, rules: rules)
            var cancelled: [(field: String, source: String)] = comparison.masked.map { ($0, "rule") }
            var differences: [FieldDifference] = []
            // A request the replay rewrote with live values differs from the recorded one by design.
            if recorded.fingerprint != replayed.fingerprint, !replayed.requestRewritten {
                differences.append(Self.requestDifference(recorded, replayed))
            }
            differences += comparison.differences
            // An HTTP body is compared field by field, so its length says nothing the fields do not: a
            // changed body is reported where it changed, and a body whose only changes are noise (a
            // counter that grew a digit) must not come back as a length difference.
            if recorded.application == .http1 || recorded.application == .http2 {
                differences.removeAll { $0.field == "header:content-length" }
            }
            let changedStatuses = Set(ResponseFields.statusChanges(a, b).map(\.path))
            differences.removeAll { difference in
                if rules.matches(field: difference.field) {
                    cancelled.append((difference.field, "rule"))
                    return true
                }
                // A status whose class changed is never baseline noise (it never is learned as
                // such, but a learned field above it would cover it).
                if difference.field != "request", !changedStatuses.contains(difference.field),
                    noise.isNoise(key: recorded.key, field: difference.field)
                {
                    cancelled.append((difference.field, "baseline"))
                    return true
                }
                return false
            }
            var counted = Set<Counted>()
            for (field, source) in cancelled {
                counted.insert(Counted(field: ResponseFields.generalized(field), source: source))
            }
            var roots = Set<Counted>()
            for key in counted {
                counts[key, default: 0] += 1
                if let root = Self.wildcardRoot(key.field) { roots.insert(Counted(field: root, source: key.source)) }
            }
            for root in roots {
                rootCounts[root, default: 0] += 1
            }
            result.noise = cancelled.map(\.field)
            result.differences = differences
            result.verdict = differences.isEmpty ? .same : .differs
        }
        return result
    }

    /// Two captures whose clients sent different things: the requests in one line each, or their
    /// text when the lines are the same.
    private static func requestDifference(_ recorded: RecordedExchange, _ replayed: RecordedExchange) -> FieldDifference
    {
        if recorded.summary != replayed.summary {
            return FieldDifference(field: "request", recorded: recorded.summary, replayed: replayed.summary)
        }
        let a = ContentDecoder.text(ofRequest: recorded.requestContent, application: recorded.application, limit: 200)
        let b = ContentDecoder.text(ofRequest: replayed.requestContent, application: replayed.application, limit: 200)
        if a != b, !a.isEmpty || !b.isEmpty {
            return FieldDifference(field: "request", recorded: a, replayed: b)
        }
        return FieldDifference(
            field: "request", recorded: "fingerprint 0x" + ByteText.hex64(recorded.fingerprint),
            replayed: "fingerprint 0x" + ByteText.hex64(replayed.fingerprint))
    }

    private func requestText(_ exchange: RecordedExchange) -> String {
        guard !exchange.requestContent.isEmpty else { return exchange.summary }
        return ContentDecoder.text(
            ofRequest: exchange.requestContent, application: exchange.application, schema: schema)
    }

    private func responseText(_ exchange: RecordedExchange) -> String {
        guard let response = exchange.response else { return "" }
        guard !response.content.isEmpty else { return response.summary }
        return ContentDecoder.text(of: response.content, application: exchange.application, schema: schema)
    }
}
