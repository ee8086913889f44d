/// How one recorded exchange compares with its replayed (or other-capture) partner.
public enum MessageVerdict: String, Sendable, Hashable, CaseIterable {
    /// Same response, after noise rules and learned noise.
    case same
    /// Both have a response and at least one field differs.
    case differs
    /// The recording has a response, the replay has none (no reply, or the connection ended first).
    case missing
    /// The replay has a response the recording does not.
    case extra
    /// Missing or extra in every baseline run too: the old build does not reproduce the recording
    /// here either, so the message says nothing about the target. Not a regression; counted.
    case unreproducible
}
