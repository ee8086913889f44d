import ArgumentParser
import InterposeProtocols

/// The flags that choose how conversations are read as protocols, shared by `analyze` and `check`.
struct DissectionOptions: ParsableArguments {
    @OptionGroup var protocols: ProtocolOptions

    @Option(help: "A BPF filter expression (as for tcpdump); only matching packets are analysed.")
    var filter: String?

    func forced() throws -> ApplicationProtocol? { try protocols.forced() }
    func portHints() throws -> [UInt16: ApplicationProtocol] { try protocols.portHints() }
}

/// `--protocol` and `--port-protocol`: how conversations are read as protocols (all commands that dissect).
struct ProtocolOptions: ParsableArguments {
    @Option(
        name: .customLong("protocol"),
        help: ArgumentHelp(
            "Read every conversation as this protocol: auto (detect), \(ProtocolRegistry.standard.names).",
            valueName: "NAME"))
    var protocolName = "auto"

    @Option(
        name: .customLong("port-protocol"),
        help: ArgumentHelp(
            "Read conversations to this server port as this protocol (repeatable).", valueName: "PORT=NAME"))
    var portProtocols: [String] = []

    func validate() throws {
        _ = try forced()
        _ = try portHints()
    }

    /// The forced protocol, or `nil` for detection.
    func forced() throws -> ApplicationProtocol? {
        if protocolName == "auto" { return nil }
        guard let application = ProtocolRegistry.standard.application(named: protocolName) else {
            throw ValidationError(
                "--protocol must be auto or one of \(ProtocolRegistry.standard.names), not '\(protocolName)'")
        }
        return application
    }

    /// `--port-protocol` hints by port.
    func portHints() throws -> [UInt16: ApplicationProtocol] {
        var hints: [UInt16: ApplicationProtocol] = [:]
        for text in portProtocols {
            let parts = text.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let port = UInt16(parts[0]),
                let application = ProtocolRegistry.standard.application(named: String(parts[1]))
            else {
                throw ValidationError(
                    "--port-protocol '\(text)' is not PORT=NAME with NAME one of \(ProtocolRegistry.standard.names) (example: 7000=redis)"
                )
            }
            hints[port] = application
        }
        return hints
    }
}
