import InterposeAnalysis
import InterposeCapture
import InterposeCore
import InterposeProtocols

/// Turns recorded conversations and their partners (a replay, or a second capture) into a
/// `ReplayReport`: exchanges paired in order within each pair of conversations, each compared
/// field by field after the noise rules and the noise learned from the baseline runs, and latency
/// old against new.
public struct ReplayComparison {
    /// One recorded conversation and what it is compared with.
    public struct Pair: Sendable {
        /// The recorded conversation; `nil` for one only the other side has.
        public var recorded: RecordedConversation?
        /// Its partner; `nil` when it has none (not replayed, or missing from capture B).
        public var replayed: RecordedConversation?
        /// Why the partner stopped early or is absent, when that is a regression.
        public var error: String?
        /// Why the conversation was not replayed at all, when that is not a regression.
        public var skipped: String?
        /// Its protocol.
        public var application: String

        /// A pair from its parts.
        public init(
            recorded: RecordedConversation?, replayed: RecordedConversation?, error: String? = nil,
            skipped: String? = nil, application: String
        ) {
            self.recorded = recorded
            self.replayed = replayed
            self.error = error
            self.skipped = skipped
            self.application = application
        }
    }

    private var comparer: ExchangeComparer
    private let latencyThreshold: Double
    /// The baseline runs' pairs, in the same order as the target's, to tell a message the baseline
    /// misses (or adds) too from the target's own.
    private let baselines: [[Pair]]
    /// Why a baseline run answered with another status than the recording, by conversation
    /// position and message index (the first run that did).
    private var statusNotReproduced: [Int: [Int: String]] = [:]

    /// A comparison.
    /// - Parameters:
    ///   - rules: the `--ignore` rules.
    ///   - baselines: for each baseline run, the pairs of recorded and baseline conversations (noise
    ///     is what differs between them).
    ///   - latencyThreshold: the slowdown that earns a warning, as a fraction (0.2 for 20 %).
    ///   - schema: the schemas gRPC messages are read with (`--proto-descriptor`).
    public init(
        rules: NoiseRules = NoiseRules(), baselines: [[Pair]] = [], latencyThreshold: Double = 0.2,
        schema: ContentSchema = .none
    ) {
        var noise = NoiseModel(schema: schema)
        var statusNotReproduced: [Int: [Int: String]] = [:]
        for run in baselines {
            for (position, pair) in run.enumerated() {
                guard let recorded = pair.recorded else { continue }
                let partner = pair.replayed?.exchanges ?? []
                for (index, exchange) in recorded.exchanges.enumerated() {
                    let baseline = index < partner.count ? partner[index] : nil
                    guard let change = noise.learn(recorded: exchange, baseline: baseline),
                        statusNotReproduced[position]?[index] == nil
                    else { continue }
                    statusNotReproduced[position, default: [:]][index] =
                        "the baseline answered \(baseline?.response?.summary ?? "another status") (\(change))"
                }
            }
        }
        self.statusNotReproduced = statusNotReproduced
        comparer = ExchangeComparer(rules: rules, noise: noise, schema: schema)
        self.latencyThreshold = latencyThreshold
        self.baselines = baselines
    }

    /// Compares every pair.
    public mutating func report(
        _ pairs: [Pair], recorded: String, target: String, baseline: String? = nil,
        findings: [ReplayReport.CheckFinding] = [], durationNanoseconds: Int64 = 0
    ) -> ReplayReport {
        var conversations: [ConversationResult] = []
        for (position, pair) in pairs.enumerated() {
            let recordedExchanges = pair.recorded?.exchanges ?? []
            let replayedExchanges = pair.replayed?.exchanges ?? []
            var messages: [MessageResult] = []
            if pair.skipped == nil {
                for index in 0..<max(recordedExchanges.count, replayedExchanges.count) {
                    var message = comparer.compare(
                        recorded: index < recordedExchanges.count ? recordedExchanges[index] : nil,
                        replayed: index < replayedExchanges.count ? replayedExchanges[index] : nil, index: index)
                    if let reason = statusNotReproduced[position]?[index] {
                        // Whatever the target answered: the old build did not answer the recorded
                        // status either, so the message says nothing about the target.
                        message.markUnreproducible(reason)
                    } else if message.verdict == .missing || message.verdict == .extra,
                        sharedByBaselines(message.verdict, at: position, index: index)
                    {
                        message.markUnreproducible(
                            message.verdict == .missing
                                ? "the baseline has no response either" : "the baseline has this extra response too")
                    }
                    messages.append(message)
                }
            }
            let descriptor = pair.recorded?.descriptor ?? pair.replayed?.descriptor
            var result = ConversationResult(
                id: Int(descriptor?.id.rawValue ?? 0), server: descriptor.map { "\($0.server)" } ?? "-",
                application: pair.application, replayedID: pair.replayed.map { Int($0.descriptor.id.rawValue) },
                messages: messages, error: pair.error)
            result.skipped = pair.skipped
            if pair.error != nil, !baselines.isEmpty,
                baselines.allSatisfy({ position < $0.count && $0[position].error != nil })
            {
                result.unreproducibleStop = pair.error
                result.error = nil
            }
            conversations.append(result)
        }
        return ReplayReport(
            recorded: recorded, target: target, baseline: baseline, conversations: conversations,
            noise: comparer.noiseCounts, latency: latency(conversations), findings: findings,
            durationNanoseconds: durationNanoseconds)
    }

    /// Whether every baseline run misses the response at `index` of conversation `position` too
    /// (`missing`), or has one there the recording lacks (`extra`).
    private func sharedByBaselines(_ verdict: MessageVerdict, at position: Int, index: Int) -> Bool {
        guard !baselines.isEmpty else { return false }
        return baselines.allSatisfy { run in
            guard position < run.count else { return false }
            let exchanges = run[position].replayed?.exchanges ?? []
            let response = index < exchanges.count ? exchanges[index].response : nil
            return verdict == .missing ? response == nil : response != nil
        }
    }

    /// Latency per request key and overall, old against new, with a warning where
    /// `LatencyComparison.isSlower` says a row got slower.
    private func latency(_ conversations: [ConversationResult]) -> LatencyComparison {
        var byKey: [String: (recorded: [Int64], replayed: [Int64])] = [:]
        var all: (recorded: [Int64], replayed: [Int64]) = ([], [])
        for message in conversations.lazy.flatMap(\.messages) {
            guard let old = message.recordedLatency, let new = message.replayedLatency else { continue }
            byKey[message.key, default: ([], [])].recorded.append(old)
            byKey[message.key, default: ([], [])].replayed.append(new)
            all.recorded.append(old)
            all.replayed.append(new)
        }
        func row(_ key: String, _ values: (recorded: [Int64], replayed: [Int64])) -> LatencyComparison.Row? {
            guard let recorded = LatencyComparison.Percentiles(values.recorded),
                let replayed = LatencyComparison.Percentiles(values.replayed)
            else { return nil }
            return LatencyComparison.Row(key: key, recorded: recorded, replayed: replayed)
        }
        let overall = row("all", all)
        let rows = byKey.compactMap { row($0.key, $0.value) }.sorted {
            ($0.replayed.p99, $1.key) > ($1.replayed.p99, $0.key)
        }
        var comparison = LatencyComparison(overall: overall, rows: rows, threshold: latencyThreshold, warnings: [])
        for row in [overall].compactMap({ $0 }) + rows {
            for (name, old, new) in comparison.slower(row) {
                comparison.warnings.append(
                    "\(row.key): \(name) latency \(Self.milliseconds(old)) -> \(Self.milliseconds(new)) "
                        + "(+\(Int(saturating: ((Double(new) - Double(old)) / Double(max(old, 1)) * 100).rounded())) %, "
                        + "threshold \(Int(saturating: (latencyThreshold * 100).rounded())) %, \(row.replayed.count) messages)"
                )
            }
        }
        return comparison
    }

    private static func milliseconds(_ nanoseconds: Int64) -> String {
        let value = Double(nanoseconds) / 1_000_000
        return ReportFormatting.fixed(value, value < 10 ? 2 : 1) + " ms"
    }
}
