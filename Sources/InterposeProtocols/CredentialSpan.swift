/// Where one secret is: offsets into the stream of one direction, and the rule that marked it.
public struct CredentialSpan: Sendable, Hashable {
    /// Stream offsets of the secret's bytes (0 is the direction's first byte).
    public var offsets: Range<Int64>
    /// What marked it, for the capture's comment: `http Authorization header`.
    public var rule: String

    /// A span from its parts.
    public init(offsets: Range<Int64>, rule: String) {
        self.offsets = offsets
        self.rule = rule
    }
}
