import InterposeCapture
import InterposeCore

/// Why a proxy could not start.
public struct ProxyError: Error, CustomStringConvertible {
    private enum Code {
        case cannotListen
        case cannotResolve
        case cannotResolveUpstream
        case cannotMark
    }

    private let code: Code
    /// What went wrong, naming the address, and what to do.
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Binding the listening socket failed (port in use, address not on this host, no permission).
    public static func cannotListen(_ address: HostPort, reason: String) -> ProxyError {
        var hint = ""
        if reason.contains("in use") { hint = " (another process listens there; pick another port)" }
        if reason.contains("not assign") { hint = " (that address is not on this host)" }
        if reason.contains("ermission") { hint = " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" }
        return ProxyError(.cannotListen, "cannot listen on \(address): \(reason)\(hint)")
    }

    /// The upstream host name did not resolve at start.
    public static func cannotResolveUpstream(_ address: HostPort, reason: String) -> ProxyError {
        ProxyError(.cannotResolveUpstream, "cannot resolve \(address.host) for --upstream \(address): \(reason)")
    }

    /// The listen host name did not resolve.
    public static func cannotResolve(_ address: HostPort, reason: String) -> ProxyError {
        ProxyError(.cannotResolve, "cannot resolve \(address.host) for --listen \(address): \(reason)")
    }

    /// `--mark` cannot be set on sockets: SO_MARK needs CAP_NET_ADMIN.
    public static func cannotMark(_ mark: UInt32, reason: String) -> ProxyError {
        ProxyError(
            .cannotMark,
            "cannot set --mark \(mark) (SO_MARK) on upstream sockets: \(reason) (run as root or grant CAP_NET_ADMIN)")
    }
}
