/// Identifies one TCP connection (conversation) within a proxy run or a capture file.
///
/// Numbered from 1 in the order connections were accepted or first seen.
public struct ConnectionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The number.
    public var rawValue: UInt64

    /// An identifier from its number.
    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: ConnectionID, rhs: ConnectionID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The number as text.
    public var description: String { String(rawValue) }
}
