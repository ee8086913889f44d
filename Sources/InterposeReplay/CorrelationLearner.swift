import InterposeProtocols

/// Learns from a recording which values servers handed out that clients sent back: pure, run once
/// when the replay is planned, tested without sockets.
///
/// A candidate is each value a recorded response hands out (`RequestCorrelation.values`: JSON
/// strings and integers, cookies, `Location`, header values, Redis bulk strings and integers,
/// PostgreSQL row cells), at least `minimumLength` bytes with a digit in them, or a word of at least
/// `minimumWordLength` bytes (so not `true`, `null` or a plan name). It is
/// learned when a later client write (in the same conversation after that response arrived, or in
/// any conversation after it in recorded time) sends it back as a token of its own, and no client
/// write sent it before the response (then the client chose it and the server echoed it). A write
/// that sends back a value two responses handed out takes it from the later one. Rules
/// (`CorrelationRule`) name fields whose values are taken whatever their length or history, sent
/// back only at the rule's place.
///
/// Finding the writes that hold a value does not scan every write: each write's letter-and-digit
/// runs are indexed, and only the writes holding the value's rarest run are searched.
public struct CorrelationLearner: Sendable {
    /// Values shorter than this (in bytes) are not learned unless a rule names them: a `1`, a `42`,
    /// a two-letter code occur in too many requests by chance.
    public static let minimumLength = 3

    /// The `--correlate` rules.
    public var rules: [CorrelationRule]

    /// A learner with rules.
    public init(rules: [CorrelationRule] = []) {
        self.rules = rules
    }

    /// What learning found.
    public struct Learned: Sendable {
        /// The correlations, by id.
        public var correlations: [Correlation]
        /// The rules no response field matched or whose values no request sent back at their place.
        public var unmatchedRules: [String]
    }

    private struct Write {
        var conversation: Int
        var step: Int
        var time: Int64
    }

    private struct Candidate {
        var conversation: Int
        var exchange: Int
        var rank: Int
        var time: Int64
        var value: HandedValue
        var rule: Int?
    }

    /// Learns from planned conversations (in plan order) and marks each step with the correlations
    /// it uses (`ReplayStep.correlations`) and each conversation with those it hands out
    /// (`PlannedConversation.handsOut`).
    public func learn(_ conversations: inout [PlannedConversation]) -> Learned {
        let registry = ProtocolRegistry.standard
        let correlations = conversations.map { registry.descriptor(for: $0.application).correlation }
        var writes: [Write] = []
        for (index, conversation) in conversations.enumerated() where correlations[index] != nil {
            let start = conversation.recorded.start.nanosecondsSinceEpoch
            for (step, planned) in conversation.steps.enumerated() {
                writes.append(Write(conversation: index, step: step, time: start + planned.offset))
            }
        }
        writes.sort { ($0.time, $0.conversation, $0.step) < ($1.time, $1.conversation, $1.step) }
        func bytes(_ write: Write) -> [UInt8] {
            conversations[write.conversation].steps[write.step].bytes.readableBytesView.map { $0 }
        }
        let writeBytes = writes.map(bytes)
        var index: [UInt64: [Int32]] = [:]
        for (ordinal, data) in writeBytes.enumerated() {
            Self.runs(data) { hash in
                if index[hash]?.last != Int32(ordinal) { index[hash, default: []].append(Int32(ordinal)) }
            }
        }

        let patterns = rules.map(\.fromPattern)
        var ruleMatched = Array(repeating: false, count: rules.count)
        var candidates: [Candidate] = []
        for (conversationIndex, conversation) in conversations.enumerated() {
            guard let correlation = correlations[conversationIndex] else { continue }
            var rank = 0
            for (exchangeIndex, exchange) in conversation.recorded.exchanges.enumerated() {
                guard let response = exchange.response else { continue }
                defer { rank += 1 }
                guard !response.content.isEmpty, !response.contentTruncated else { continue }
                var seen = Set<[UInt8]>()
                for value in correlation.values(response.content) where seen.insert(value.value).inserted {
                    let rule = patterns.firstIndex { $0.matches(value.locator) }
                    if rule == nil, !Self.isLearnable(value.value) { continue }
                    candidates.append(
                        Candidate(
                            conversation: conversationIndex, exchange: exchangeIndex, rank: rank,
                            time: exchange.start.nanosecondsSinceEpoch + response.latencyNanoseconds, value: value,
                            rule: rule))
                }
            }
        }

        // Per write and value, the candidate that handed it out last before the write.
        var chosen: [Int: [[UInt8]: (candidate: Int, places: [String])]] = [:]
        for (number, candidate) in candidates.enumerated() {
            let value = candidate.value.value
            let holders: [Int]
            if let rarest = Self.rarestRun(value, in: index) {
                holders = rarest.map(Int.init)
            } else if candidate.rule != nil {
                holders = Array(writes.indices)
            } else {
                continue
            }
            var uses: [(ordinal: Int, places: [String])] = []
            var chosenByClient = false
            for ordinal in holders {
                let write = writes[ordinal]
                guard ValueReplacement.contains(writeBytes[ordinal], value) else { continue }
                if write.time < candidate.time {
                    chosenByClient = true
                    continue
                }
                if write.conversation == candidate.conversation,
                    conversations[write.conversation].steps[write.step].awaitResponses <= candidate.rank
                {
                    continue
                }
                let rewriter = correlations[write.conversation]!
                let only = candidate.rule.map { rules[$0].to }
                let places =
                    rewriter.rewrite(
                        writeBytes[ordinal], [ValueSubstitution(recorded: value, live: value, onlyAt: only)]
                    )
                    .places[0]
                if !places.isEmpty { uses.append((ordinal, places)) }
            }
            if chosenByClient, candidate.rule == nil { continue }
            for use in uses {
                if let current = chosen[use.ordinal]?[value], candidates[current.candidate].time > candidate.time {
                    continue
                }
                chosen[use.ordinal, default: [:]][value] = (number, use.places)
            }
        }

        var byCandidate: [Int: [(ordinal: Int, places: [String])]] = [:]
        for (ordinal, values) in chosen {
            for (_, use) in values { byCandidate[use.candidate, default: []].append((ordinal, use.places)) }
        }
        var learned: [Correlation] = []
        for number in byCandidate.keys.sorted() {
            let candidate = candidates[number]
            let uses = byCandidate[number]!.sorted { $0.ordinal < $1.ordinal }.map { use -> Correlation.Use in
                let write = writes[use.ordinal]
                return Correlation.Use(
                    conversation: write.conversation, step: write.step, places: use.places,
                    requestKey: Self.requestKey(conversations[write.conversation], at: write.time))
            }
            if let rule = candidate.rule { ruleMatched[rule] = true }
            let id = learned.count
            learned.append(
                Correlation(
                    id: id, conversation: candidate.conversation, exchange: candidate.exchange,
                    requestKey: conversations[candidate.conversation].recorded.exchanges[candidate.exchange].key,
                    locator: candidate.value.locator, recorded: candidate.value.value,
                    rule: candidate.rule.map { rules[$0].spec }, onlyAt: candidate.rule.map { rules[$0].to },
                    uses: uses))
            conversations[candidate.conversation].handsOut[candidate.exchange, default: []].append(id)
            for use in uses { conversations[use.conversation].steps[use.step].correlations.append(id) }
        }
        return Learned(
            correlations: learned,
            unmatchedRules: rules.indices.filter { !ruleMatched[$0] }.map { rules[$0].spec })
    }

    /// Words without a digit shorter than this (in bytes) are not learned unless a rule names them:
    /// `pro`, `lamp`, `enterprise` are data a client may well write again by itself, where ids,
    /// tokens, keys and ETags have digits or are long.
    public static let minimumWordLength = 16

    /// Whether a value is long and specific enough to be learned without a rule.
    static func isLearnable(_ value: [UInt8]) -> Bool {
        guard value.count >= minimumLength, value.contains(where: ValueReplacement.isWord) else { return false }
        let hasDigit = value.contains { $0 >= 0x30 && $0 <= 0x39 }
        return hasDigit || value.count >= minimumWordLength
    }

    /// The key of the first recorded request at or after `time` in a conversation.
    private static func requestKey(_ conversation: PlannedConversation, at time: Int64) -> String {
        let exchanges = conversation.recorded.exchanges
        return (exchanges.first { $0.start.nanosecondsSinceEpoch >= time } ?? exchanges.last)?.key ?? "?"
    }

    /// Calls `body` with the FNV-1a hash of each maximal run of ASCII letters and digits.
    private static func runs(_ bytes: [UInt8], _ body: (UInt64) -> Void) {
        var hash: UInt64 = 0
        var inRun = false
        for byte in bytes {
            if ValueReplacement.isWord(byte) {
                if !inRun {
                    hash = 0xcbf2_9ce4_8422_2325
                    inRun = true
                }
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            } else if inRun {
                body(hash)
                inRun = false
            }
        }
        if inRun { body(hash) }
    }

    /// The writes holding the value's run that the fewest writes hold; `nil` when it has no run.
    private static func rarestRun(_ value: [UInt8], in index: [UInt64: [Int32]]) -> [Int32]? {
        var best: [Int32]?
        var found = false
        runs(value) { hash in
            found = true
            let holders = index[hash] ?? []
            if best == nil || holders.count < best!.count { best = holders }
        }
        return found ? best : nil
    }
}
