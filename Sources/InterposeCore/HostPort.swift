/// A `HOST:PORT` the user gave: a numeric address or a name, and a port.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// The host: an IPv4 or IPv6 address, or a name resolved when connecting.
    public var host: String
    /// The port.
    public var port: UInt16

    /// A host and a port.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all addresses).
    /// - Throws: `AddressError` naming the text and what is wrong with it.
    public init(parsing text: String, what: String) throws {
        var text = text
        if text.hasPrefix(":") { text = "0.0.0.0" + text }
        guard let (host, port) = Endpoint.splitHostPort(text) else {
            throw AddressError(
                description:
                    "\(what) '\(text)' is not HOST:PORT (examples: 127.0.0.1:6379, [::1]:6379, localhost:6379)")
        }
        let isNumeric = IPAddress(host) != nil
        if !isNumeric {
            // A name: letters, digits, dots and hyphens (RFC 1123), so typos fail here, not at connect time.
            let allowed = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
            guard allowed, !host.hasPrefix("-"), host.contains(where: { $0.isLetter }) else {
                throw AddressError(description: "\(what) '\(text)': '\(host)' is neither an IP address nor a host name")
            }
        }
        self.init(host: host, port: port)
    }

    /// The address when `host` is numeric.
    public var ipAddress: IPAddress? { IPAddress(host) }

    /// `HOST:PORT`, with IPv6 in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A `HOST:PORT` argument that cannot be used.
public struct AddressError: Error, CustomStringConvertible {
    /// What is wrong, naming the argument.
    public var description: String
}
