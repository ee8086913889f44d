/// The comparison of two captures of the same client traffic: a verdict per exchange.
public struct CaptureDiffReport: Sendable, Hashable {
    /// Capture A (the old one).
    public var pathA: String
    /// Capture B (the new one).
    public var pathB: String
    /// Conversations read from A.
    public var conversationsA: Int
    /// Conversations read from B.
    public var conversationsB: Int
    /// Every exchange, in A's conversation order, then B's conversations that A lacks.
    public var exchanges: [ExchangeDiff]

    /// A report from its parts.
    public init(pathA: String, pathB: String, conversationsA: Int, conversationsB: Int, exchanges: [ExchangeDiff]) {
        self.pathA = pathA
        self.pathB = pathB
        self.conversationsA = conversationsA
        self.conversationsB = conversationsB
        self.exchanges = exchanges
    }

    /// How many exchanges got a verdict.
    public func count(_ status: ExchangeDiff.Status) -> Int {
        exchanges.reduce(0) { $0 + ($1.status == status ? 1 : 0) }
    }

    /// Whether anything differs, is missing or is extra (exit status 1).
    public var hasDifferences: Bool {
        exchanges.contains { $0.status != .same }
    }
}
