/// One replacement in a request: each occurrence of the recorded value (as a whole token, not
/// inside a longer word or number) by the live one.
public struct ValueSubstitution: Sendable, Hashable {
    /// What the recording sent.
    public var recorded: [UInt8]
    /// What to send instead.
    public var live: [UInt8]
    /// The one place it is made at (`query`, `header:authorization`, `header` for any header),
    /// lowercased; `nil` for every place the value is in.
    public var onlyAt: String?

    /// A substitution from its parts.
    public init(recorded: [UInt8], live: [UInt8], onlyAt: String? = nil) {
        self.recorded = recorded
        self.live = live
        self.onlyAt = onlyAt?.lowercased()
    }

    /// Whether it is made at a place: any place without `onlyAt`, else that place or one under it
    /// (`header` covers `header:authorization`, `bind` covers `bind[0]`); `*` is any place.
    public func applies(at place: String) -> Bool {
        guard let onlyAt, onlyAt != "*" else { return true }
        return place == onlyAt || place.hasPrefix(onlyAt + ":") || place.hasPrefix(onlyAt + "[")
    }
}
