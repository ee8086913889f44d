/// A toxic that cannot be applied as given, as one line naming the toxic and the value.
public struct ToxicError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One line for people.
    public let description: String

    /// An error with its line.
    public init(_ description: String) {
        self.description = description
    }
}
