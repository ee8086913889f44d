/// A server a test needs could not be set up: says which and why.
struct ServerStartError: Error, CustomStringConvertible {
    var description: String
}
