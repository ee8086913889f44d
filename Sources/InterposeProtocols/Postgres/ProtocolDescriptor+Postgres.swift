extension ApplicationProtocol {
    /// PostgreSQL frontend/backend protocol 3.
    public static let postgres = ApplicationProtocol("postgres")
}

extension ProtocolDescriptor {
    /// PostgreSQL: a client's StartupMessage (protocol 3.0), SSLRequest, GSSENCRequest or
    /// CancelRequest, or port 5432.
    package static let postgres = ProtocolDescriptor(
        application: .postgres,
        detect: { client, _ in ProtocolDescriptor.isPostgresStartup(client) },
        defaultPorts: [DefaultPort(5432, when: .eitherSideSent)],
        makeDissector: { PostgresDissector() },
        content: ContentDecoding(
            fields: { PostgresContent.fields($0) }, text: { bytes, _ in PostgresContent.text(bytes) }),
        correlation: RequestCorrelation(
            values: { PostgresCorrelation.values($0) }, rewrite: { PostgresCorrelation.rewrite($0, $1) }),
        makeCredentialLocator: { PostgresCredentialLocator() }
    )

    /// Whether the bytes begin a startup-phase message: a length of 8 to 10 000, then protocol 3.0 or
    /// one of the special request codes.
    static func isPostgresStartup(_ client: [UInt8]) -> Bool {
        guard client.count >= 8 else { return false }
        func uint32(_ at: Int) -> UInt32 {
            UInt32(client[at]) << 24 | UInt32(client[at + 1]) << 16 | UInt32(client[at + 2]) << 8
                | UInt32(client[at + 3])
        }
        let length = uint32(0)
        let code = PostgresStartupCode(rawValue: Int32(bitPattern: uint32(4)))
        return (8...10_000).contains(length) && code != nil
    }
}
