/// Why the demo service could not start.
public struct DemoServiceError: Error, CustomStringConvertible {
    private enum Code {
        case unknownBuild
        case cannotListen
    }

    private let code: Code
    /// What went wrong, naming the setting or address, and what to do.
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// A build number other than 1 or 2.
    public static func unknownBuild(_ build: Int) -> DemoServiceError {
        DemoServiceError(.unknownBuild, "build must be 1 or 2, not \(build)")
    }

    /// Binding the listening socket failed (port in use, address not on this host, no permission).
    public static func cannotListen(_ address: String, reason: String) -> DemoServiceError {
        var hint = ""
        if reason.contains("in use") { hint = " (another process listens there; pick another port)" }
        if reason.contains("not assign") { hint = " (that address is not on this host)" }
        if reason.contains("ermission") { hint = " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" }
        return DemoServiceError(.cannotListen, "cannot listen on \(address): \(reason)\(hint)")
    }
}
