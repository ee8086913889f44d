import InterposeCapture
import InterposeCore
import InterposeFaults
import InterposeProtocols

/// What one named proxy should be: the settings the config file and the control API give it.
public struct ProxySpec: Sendable, Equatable {
    /// The name, unique in the process: the API's key, the metrics' `proxy` label, the capture's
    /// file name under a capture directory.
    public var name: String
    /// The address clients connect to (port 0: any free port).
    public var listen: HostPort
    /// The service connections are forwarded to.
    public var upstream: HostPort
    /// Whether it listens (Toxiproxy's `enabled`; disabled is Toxiproxy's "down").
    public var enabled: Bool
    /// Its own capture file; `nil` records to `DIR/<name>.pcapng` when a capture directory is set,
    /// and nothing otherwise.
    public var capture: String?
    /// Whether the protocol checks run live on its connections (as `--check`).
    public var checks: Bool
    /// Read every conversation as this protocol; `nil` detects.
    public var protocolHint: ApplicationProtocol?
    /// Protocols by server port.
    public var portProtocols: [UInt16: ApplicationProtocol]
    /// The toxics it starts with.
    public var toxics: [Toxic]

    /// A proxy's settings; enabled, no capture of its own, no checks, no toxics unless given.
    public init(
        name: String, listen: HostPort, upstream: HostPort, enabled: Bool = true, capture: String? = nil,
        checks: Bool = false, protocolHint: ApplicationProtocol? = nil,
        portProtocols: [UInt16: ApplicationProtocol] = [:], toxics: [Toxic] = []
    ) {
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = enabled
        self.capture = capture
        self.checks = checks
        self.protocolHint = protocolHint
        self.portProtocols = portProtocols
        self.toxics = toxics
    }

    /// Checks the name can serve as a file name under a capture directory and a metrics label.
    /// - Throws: `ControlError` (400) naming the problem.
    public static func validate(name: String) throws(ControlError) {
        guard !name.isEmpty else { throw ControlError.missingField("name") }
        guard name.count <= 200, !name.hasPrefix("."),
            name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0 != "/" && $0 != "\\" && $0.value != 0x7F })
        else {
            throw ControlError(
                status: 400,
                "proxy name '\(name)' must be at most 200 characters, not start with '.', "
                    + "and have no spaces, slashes or control characters")
        }
    }
}
