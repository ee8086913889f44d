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
    /// The old build does not reproduce the recording here: a baseline run answered with another
    /// status or error class (HTTP status, gRPC status, Redis error, SQLSTATE, MQTT reason code),
    /// or every baseline run misses the response (or adds one) too. The message says nothing
    /// about the target: not a regression, but counted, and too many fail the replay
    /// (`--max-unreproducible`).
    case unreproducible
}
