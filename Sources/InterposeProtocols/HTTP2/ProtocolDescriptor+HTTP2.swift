extension ApplicationProtocol {
    /// HTTP/2 (RFC 9113), prior knowledge or h2c upgrade; gRPC is read on it.
    public static let http2 = ApplicationProtocol("http2")
}

extension ProtocolDescriptor {
    /// HTTP/2: the client connection preface (`PRI * HTTP/2.0`). Its frames are not decoded into
    /// content fields: replay compares status and body fingerprint.
    package static let http2 = ProtocolDescriptor(
        application: .http2,
        detect: { client, _ in client.starts(with: Array("PRI * HTTP/2.0".utf8)) },
        alpnIdentifiers: ["h2"],
        makeDissector: { HTTP2Dissector() },
        content: .opaque)
}
