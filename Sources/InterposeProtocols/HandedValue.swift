/// A value a server handed out in a response, and where in the response it was: what replay's
/// correlation learns (a login token, a generated id, an `INCR` reply) so that later requests that
/// sent it back get the value the replayed server hands out instead.
public struct HandedValue: Sendable, Hashable {
    /// Where in the response: a field path as `--ignore` writes it (`json:$.token`,
    /// `header:location`, `reply`, `row[0].id`), or `cookie:NAME` for a `Set-Cookie` value.
    public var locator: String
    /// The value's bytes as they appear in a request that sends it back (a JSON string unquoted).
    public var value: [UInt8]

    /// A value from its parts.
    public init(locator: String, value: [UInt8]) {
        self.locator = locator
        self.value = value
    }
}
