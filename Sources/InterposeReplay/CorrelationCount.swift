/// How one correlation fared in one replay run.
public struct CorrelationCount: Sendable, Hashable {
    /// Writes that sent the live value (the same as the recorded one or not).
    public var applied = 0
    /// Of those, writes whose bytes changed: the live value was not the recorded one.
    public var changed = 0
    /// Whether the live response that should have handed the value out did not contain it at the
    /// correlation's locator (its writes then sent the recorded value).
    public var missing = false
    /// Writes sent before the live value was there (the conversation that hands it out had not been
    /// answered yet, or failed): they sent the recorded value.
    public var unavailable = 0

    /// No uses yet.
    public init() {}
}
