/// Latency old against new: percentiles of the recorded and the replayed responses, per request key
/// and overall, and the warnings where the new build got slower than the threshold allows.
public struct LatencyComparison: Sendable, Hashable {
    /// Percentiles of one set of latencies, in nanoseconds.
    public struct Percentiles: Sendable, Hashable {
        /// How many latencies.
        public var count: Int
        /// Median.
        public var p50: Int64
        /// 99th percentile.
        public var p99: Int64

        /// Percentiles from their parts.
        public init(count: Int, p50: Int64, p99: Int64) {
            self.count = count
            self.p50 = p50
            self.p99 = p99
        }

        /// The percentiles of some latencies (nearest rank); `nil` when there are none.
        public init?(_ latencies: [Int64]) {
            guard !latencies.isEmpty else { return nil }
            let sorted = latencies.sorted()
            func rank(_ q: Double) -> Int64 {
                sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
            }
            self.init(count: sorted.count, p50: rank(0.50), p99: rank(0.99))
        }
    }

    /// One request key's latency, old and new.
    public struct Row: Sendable, Hashable {
        /// The request key (`GET /users/{id}`), or `all`.
        public var key: String
        /// The recorded latencies.
        public var recorded: Percentiles
        /// The replayed latencies.
        public var replayed: Percentiles

        /// A row from its parts.
        public init(key: String, recorded: Percentiles, replayed: Percentiles) {
            self.key = key
            self.recorded = recorded
            self.replayed = replayed
        }
    }

    /// All messages that have both latencies; `nil` when none has.
    public var overall: Row?
    /// Per request key, the slowest (by replayed p99) first.
    public var rows: [Row]
    /// The allowed slowdown, as a fraction (0.2 is 20 %).
    public var threshold: Double
    /// One line per key (and for `all`) whose p50 or p99 got worse by more than `threshold`.
    public var warnings: [String]

    /// The fewest messages a row must have to be called slower (a percentile of a handful of
    /// messages is one message's luck).
    public static let minimumSamples = 10
    /// The least growth, in nanoseconds, that counts as slower (below it, scheduling noise on a
    /// loaded machine moves the percentiles of fast responses by more than any threshold).
    public static let minimumGrowth: Int64 = 100_000

    /// Whether a row's replayed p50 or p99 grew by more than the threshold (and `minimumGrowth`),
    /// over at least `minimumSamples` messages: the rule behind `warnings` and the report's marks.
    public func isSlower(_ row: Row) -> Bool {
        slower(row).isEmpty == false
    }

    /// The percentiles (`p50`, `p99`) of a row that grew by more than the rule allows.
    public func slower(_ row: Row) -> [(name: String, recorded: Int64, replayed: Int64)] {
        guard row.replayed.count >= Self.minimumSamples else { return [] }
        return [("p50", row.recorded.p50, row.replayed.p50), ("p99", row.recorded.p99, row.replayed.p99)].filter {
            Double($0.2) > Double($0.1) * (1 + threshold) && $0.2 - $0.1 > Self.minimumGrowth
        }
    }

    /// A comparison from its parts.
    public init(overall: Row?, rows: [Row], threshold: Double, warnings: [String]) {
        self.overall = overall
        self.rows = rows
        self.threshold = threshold
        self.warnings = warnings
    }
}
