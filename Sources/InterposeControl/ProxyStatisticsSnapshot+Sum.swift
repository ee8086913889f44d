import InterposeProxy

extension ProxyStatistics.Snapshot {
    /// Two sets of counters added up (a proxy's earlier listeners and its current one).
    static func + (lhs: Self, rhs: Self) -> Self {
        var sum = lhs
        sum.accepted += rhs.accepted
        sum.open += rhs.open
        sum.closedGracefully += rhs.closedGracefully
        sum.closedAbnormally += rhs.closedAbnormally
        sum.upstreamFailures += rhs.upstreamFailures
        sum.bytesToServer += rhs.bytesToServer
        sum.bytesToClient += rhs.bytesToClient
        return sum
    }
}
