/// A number outside its `NumberRange`, or text that is not a number at all, as one line that names
/// the flag or key, the range and what was given: `--grace must be a number from 0 to 86400
/// (seconds), not '1e10'`.
public struct NumberRangeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The flag or key (`--grace`, `toxicity`); `nil` when the caller names it.
    public let name: String?
    /// What the number must be (`a number from 0 to 86400 (seconds)`).
    public let allowed: String
    /// The text or value given.
    public let given: String

    /// An error about `given`, which is not `allowed`.
    public init(name: String?, allowed: String, given: String) {
        self.name = name
        self.allowed = allowed
        self.given = given
    }

    /// `--grace must be a number from 0 to 86400 (seconds), not '1e10'`; without a name (when
    /// swift-argument-parser already says the flag and the value), `must be a number from 0 to 86400 (seconds)`.
    public var description: String {
        guard let name else { return "must be \(allowed)" }
        return "\(name) must be \(allowed), not '\(given)'"
    }
}
