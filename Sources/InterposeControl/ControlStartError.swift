/// Why the control API cannot start, as one line naming the address or flag and what to do.
public struct ControlStartError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line.
    public let description: String

    /// An error with its line.
    public init(_ description: String) {
        self.description = description
    }
}
