/// A client write after substitution: its bytes, with the lengths that frame its messages rewritten,
/// and the places each substitution was made.
public struct RequestRewrite: Sendable, Hashable {
    /// The bytes to send.
    public var bytes: [UInt8]
    /// Per substitution (by index in the list given), the places it was made, in message order:
    /// `path`, `query`, `header:authorization`, `body`, `arg[1]`, `sql`, `bind[0]`, `bytes`.
    public var places: [[String]]

    /// A rewrite from its parts.
    public init(bytes: [UInt8], places: [[String]]) {
        self.bytes = bytes
        self.places = places
    }

    /// How many replacements were made in all.
    public var count: Int { places.reduce(0) { $0 + $1.count } }
}
