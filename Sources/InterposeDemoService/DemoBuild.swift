/// Which build of the demo service runs: the "old" one or the "new" one with the planted change.
public enum DemoBuild: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// The baseline behaviour.
    case one = 1
    /// Build 1 with one deliberate change: `GET /users/7` answers `"plan":"enterprise"`.
    case two = 2

    /// `1` or `2`.
    public var description: String { String(rawValue) }
}
