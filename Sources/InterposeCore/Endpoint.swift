/// One end of a TCP connection: an IP address and a port.
///
/// Printed as `IP:PORT`, with IPv6 in brackets (`[::1]:6379`), the form docs/DESIGN.md fixes for
/// `--json` output and the form the command line accepts.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    /// The IP address.
    public var address: IPAddress
    /// The TCP port.
    public var port: UInt16

    /// An endpoint from an address and a port.
    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses `IP:PORT` or `[IPv6]:PORT` with a numeric address; `nil` for anything else.
    public init?(_ text: String) {
        guard let (host, port) = Endpoint.splitHostPort(text), let address = IPAddress(host) else { return nil }
        self.init(address: address, port: port)
    }

    /// `IP:PORT`, or `[IPv6]:PORT`.
    public var description: String {
        switch address.family {
        case .v4: return "\(address):\(port)"
        case .v6: return "[\(address)]:\(port)"
        }
    }

    /// Splits `HOST:PORT` or `[HOST]:PORT` into its host text and port.
    ///
    /// The host may be a name; it is not resolved here. Returns `nil` when there is no port, the port is
    /// not a number from 0 to 65535, or the host is empty.
    public static func splitHostPort(_ text: String) -> (host: String, port: UInt16)? {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            // An unbracketed IPv6 address is ambiguous with a port: insist on brackets.
            guard !hostPart.contains(":") else { return nil }
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, !portPart.isEmpty, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
            portPart.count <= 5, let port = UInt16(portPart)
        else { return nil }
        return (String(hostPart), port)
    }
}
