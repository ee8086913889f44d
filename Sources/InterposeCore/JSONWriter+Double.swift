extension JSONWriter {
    /// Writes a floating-point number in its shortest exact form, or `null` for `nil` and for
    /// values JSON cannot hold (infinity, NaN).
    public mutating func double(_ key: String?, _ value: Double?) {
        prefix(key)
        if let value, value.isFinite {
            // Swift prints whole numbers as `3.0` and small ones as `1e-05`: both are valid JSON.
            text += value.description
        } else {
            text += "null"
        }
    }

    /// Writes `null`.
    public mutating func null(_ key: String?) {
        prefix(key)
        text += "null"
    }
}
