/// The values a number a user gives may have (a flag, a config key, a control API field): a range
/// and a unit, checked where the number is parsed, so that no value outside it reaches a
/// conversion that could trap (`Int64(seconds * 1e9)`) or a count that overflows.
///
/// ```swift
/// try NumberRange.grace.parse("1e10", name: "--grace")
/// // NumberRangeError: --grace must be a number from 0 to 86400 (seconds), not '1e10'
/// ```
///
/// The ranges of the command line's flags are named in `NumberRange+Flags.swift`.
public struct NumberRange<Value: Comparable & Sendable & LosslessStringConvertible>: Sendable {
    /// The values allowed.
    public let bounds: ClosedRange<Value>
    /// What the number counts (`seconds`, `packets`, `percent`); empty for a plain number.
    public let unit: String

    /// A range of values in `unit`.
    public init(_ bounds: ClosedRange<Value>, unit: String = "") {
        self.bounds = bounds
        self.unit = unit
    }

    /// What the number must be, for help and errors, as toxic attributes say it:
    /// `a number from 0.001 to 86400 (seconds)`.
    public var allowed: String {
        let kind = Value.self is any BinaryInteger.Type ? "a whole number" : "a number"
        return "\(kind) from \(Self.format(bounds.lowerBound)) to \(Self.format(bounds.upperBound))"
            + (unit.isEmpty ? "" : " (\(unit))")
    }

    /// Parses `text` and checks it is in range.
    /// - Parameter name: the flag or key it was given as (`--grace`), for the error; `nil` when
    ///   the caller names it itself (swift-argument-parser's transform does).
    /// - Throws: `NumberRangeError` for text that is not a number (`inf`, `nan`, `1e10` for a whole
    ///   number) or one outside `bounds`.
    public func parse(_ text: String, name: String? = nil) throws(NumberRangeError) -> Value {
        guard let value = Value(text) else {
            throw NumberRangeError(name: name, allowed: allowed, given: text)
        }
        return try check(value, name: name, given: text)
    }

    /// Checks a number already decoded (from JSON or YAML).
    /// - Throws: `NumberRangeError` for a value outside `bounds` (NaN is outside every range).
    public func check(_ value: Value, name: String? = nil) throws(NumberRangeError) -> Value {
        try check(value, name: name, given: Self.format(value))
    }

    /// A function for `@Option(transform:)`: argument-parser names the flag and the value itself.
    public var parser: @Sendable (String) throws -> Value {
        let range = self
        return { text in try range.parse(text) }
    }

    private func check(_ value: Value, name: String?, given: String) throws(NumberRangeError) -> Value {
        // `contains` is false for NaN, which compares false with everything.
        guard bounds.contains(value) else { throw NumberRangeError(name: name, allowed: allowed, given: given) }
        return value
    }

    /// `86400`, `0.001`, `18446744073709551615`: a bound as people write it.
    static func format(_ value: Value) -> String {
        if let double = value as? Double, double.isFinite, double == double.rounded(), abs(double) < 1e15 {
            return String(Int64(double))
        }
        return value.description
    }
}
