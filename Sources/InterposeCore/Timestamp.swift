/// A point in wall-clock time with nanosecond resolution: nanoseconds since the Unix epoch.
///
/// Every frame carries one; pcapng blocks store it with `if_tsresol` = 9.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanosecondsSinceEpoch: Int64

    /// A timestamp from nanoseconds since the Unix epoch.
    public init(nanosecondsSinceEpoch: Int64) {
        self.nanosecondsSinceEpoch = nanosecondsSinceEpoch
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }

    /// Seconds and nanoseconds since the epoch, as `1700000000.123456789`.
    public var description: String {
        let s = nanosecondsSinceEpoch / 1_000_000_000
        let ns = nanosecondsSinceEpoch % 1_000_000_000
        let frac = String(ns)
        return "\(s).\(String(repeating: "0", count: 9 - frac.count))\(frac)"
    }
}
