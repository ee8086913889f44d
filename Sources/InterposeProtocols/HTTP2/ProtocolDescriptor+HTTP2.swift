extension ApplicationProtocol {
    /// HTTP/2 (RFC 9113), prior knowledge or h2c upgrade; gRPC is read on it.
    public static let http2 = ApplicationProtocol("http2")
}

extension ProtocolDescriptor {
    /// HTTP/2: the client connection preface (`PRI * HTTP/2.0`). Replay and `diff` read its
    /// messages from the content its dissector keeps (`HTTP2Content`): status, headers, JSON bodies
    /// by path, gRPC status and messages by protobuf field.
    package static let http2 = ProtocolDescriptor(
        application: .http2,
        detect: { client, _ in client.starts(with: Array("PRI * HTTP/2.0".utf8)) },
        alpnIdentifiers: ["h2"],
        makeDissector: { HTTP2Dissector() },
        makeContentDissector: { HTTP2Dissector(keepsContent: true) },
        content: ContentDecoding(
            schemaFields: { bytes, schema in HTTP2Content.fields(bytes, schema: schema) },
            schemaText: { bytes, isRequest, schema in HTTP2Content.text(bytes, isRequest: isRequest, schema: schema) }))
}
