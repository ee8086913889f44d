extension FixedWidthInteger {
    /// `value` rounded toward zero and clamped to this type's range, NaN as zero: the conversion
    /// for a `Double` that may be out of range (a scaled interval, a percentage of a hostile
    /// capture's latencies), where `Int64(value)` would trap.
    @inlinable
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value <= Double(Self.min) {
            self = Self.min
        } else if value >= Double(Self.max) {
            // Double(Self.max) rounds up to 2^63 for Int64: anything that large is clamped.
            self = Self.max
        } else {
            self = Self(value)
        }
    }
}
