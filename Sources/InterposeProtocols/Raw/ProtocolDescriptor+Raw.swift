extension ApplicationProtocol {
    /// Anything else: bytes, in the chunks they crossed the wire.
    public static let raw = ApplicationProtocol("raw")
}

extension ProtocolDescriptor {
    /// Raw bytes: chosen with `--protocol raw`, never detected.
    package static let raw = ProtocolDescriptor(
        application: .raw, makeDissector: { RawDissector(application: .raw) }, content: .raw, pairsByTurn: true)

    /// SSH, recognised by either side's version banner and read as raw.
    package static let ssh = ProtocolDescriptor(
        recognising: "ssh",
        detect: { client, server in client.starts(with: Array("SSH-".utf8)) || server.starts(with: Array("SSH-".utf8)) }
    )

    /// MySQL, recognised by the server's greeting (protocol 10 after the packet header) and read as raw.
    package static let mysql = ProtocolDescriptor(
        recognising: "mysql", detect: { _, server in server.count >= 5 && server[3] == 0 && server[4] == 0x0A })

    /// DNS over TCP, recognised by port 53 and read as raw.
    package static let dns = ProtocolDescriptor(
        recognising: "dns", defaultPorts: [DefaultPort(53, when: .clientSent)])
}
