extension Array where Element == CredentialSpan {
    /// Marks the byte at `offset` as secret under `rule`, growing the last span when it ends there.
    mutating func mark(_ offset: Int64, rule: String) {
        if let last = self.last, last.offsets.upperBound == offset, last.rule == rule {
            self[count - 1].offsets = last.offsets.lowerBound..<(offset + 1)
        } else {
            append(CredentialSpan(offsets: offset..<(offset + 1), rule: rule))
        }
    }
}
