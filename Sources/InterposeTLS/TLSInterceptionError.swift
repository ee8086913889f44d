/// Why TLS interception cannot be set up; one line naming the file or option at fault.
public struct TLSInterceptionError: Error, Sendable, CustomStringConvertible {
    /// One line for the user.
    public let description: String

    private init(_ description: String) {
        self.description = description
    }

    /// `--upstream-ca` (or `--target-ca`) cannot be read as PEM certificates.
    static func badAuthorities(_ flag: String, _ path: String, reason: String) -> Self {
        Self("\(flag) \(path): \(reason)")
    }

    /// `--keylog` cannot be opened for appending.
    static func cannotOpenKeyLog(_ path: String, reason: String) -> Self {
        Self("--keylog \(path): cannot open for appending: \(reason)")
    }

    /// The TLS library refused a configuration.
    static func cannotConfigure(_ what: String, reason: String) -> Self {
        Self("cannot set up TLS for \(what): \(reason)")
    }
}
