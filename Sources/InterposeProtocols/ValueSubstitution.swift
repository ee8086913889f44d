/// One replacement in a request: each occurrence of the recorded value (as a whole token, not
/// inside a longer word or number) by the live one.
public struct ValueSubstitution: Sendable, Hashable {
    /// What the recording sent.
    public var recorded: [UInt8]
    /// What to send instead.
    public var live: [UInt8]

    /// A substitution from its parts.
    public init(recorded: [UInt8], live: [UInt8]) {
        self.recorded = recorded
        self.live = live
    }
}
