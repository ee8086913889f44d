/// The ranges of the numbers the command line takes, in one place: each flag's parser, its error
/// and the README's list of ranges come from these.
extension NumberRange where Value == Double {
    /// `proxy --connect-timeout`: from a millisecond to a day.
    public static let connectTimeout = NumberRange(0.001...86_400, unit: "seconds")
    /// `proxy --grace`: none to a day.
    public static let grace = NumberRange(0...86_400, unit: "seconds")
    /// `sniff --duration`: from a millisecond to a year.
    public static let sniffDuration = NumberRange(0.001...31_536_000, unit: "seconds")
    /// `replay --timeout`: from a millisecond to a day without progress.
    public static let replayTimeout = NumberRange(0.001...86_400, unit: "seconds")
    /// `replay --speed N`: a thousand times slower to a million times faster than recorded.
    public static let replaySpeed = NumberRange(0.001...1_000_000)
    /// `replay|diff --latency-threshold`: the growth that warns.
    public static let latencyThreshold = NumberRange(0...1_000_000, unit: "percent")
    /// `replay --max-unreproducible P%`: a share of the messages compared.
    public static let unreproduciblePercent = NumberRange(0...100, unit: "percent")
}

extension NumberRange where Value == Int {
    /// `sniff --count`: packets before stopping.
    public static let packetCount = NumberRange(1...1_000_000_000_000, unit: "packets")
    /// `replay --runs`: baseline runs to learn noise from.
    public static let baselineRuns = NumberRange(1...1_000, unit: "runs")
    /// `replay --connections`: connections at once.
    public static let replayConnections = NumberRange(1...100_000, unit: "connections")
    /// `replay --max-unreproducible N`: messages the baseline may fail to reproduce.
    public static let unreproducibleCount = NumberRange(0...1_000_000_000_000, unit: "messages")
}

extension NumberRange where Value == UInt32 {
    /// `proxy --mark`: any `SO_MARK`.
    public static let socketMark = NumberRange(0...UInt32.max)
}

extension NumberRange where Value == UInt64 {
    /// `proxy --seed` and the config file's `seed`: any 64-bit number.
    public static let seed = NumberRange(0...UInt64.max)
}
