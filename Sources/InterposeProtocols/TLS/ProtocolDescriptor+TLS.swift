extension ApplicationProtocol {
    /// TLS, read without decrypting: record layer and handshake.
    public static let tls = ApplicationProtocol("tls")
}

extension ProtocolDescriptor {
    /// TLS: a client's handshake record of version 3.x up to TLS 1.3's. Records are not content.
    package static let tls = ProtocolDescriptor(
        application: .tls,
        detect: { client, _ in
            // A handshake record of version 3.x, 3.1 (TLS 1.0) to 3.4.
            client.count >= 3 && client[0] == TLSContentType.handshake.rawValue && client[1] == 0x03
                && client[2] <= 0x04
        },
        makeDissector: { TLSDissector() },
        content: .opaque,
        pairsByTurn: true,
        replayRefusal: "TLS: a replay of recorded ciphertext cannot complete a new handshake")
}
