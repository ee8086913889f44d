extension ApplicationProtocol {
    /// HTTP/1.0 and HTTP/1.1 (RFC 9112).
    public static let http1 = ApplicationProtocol("http1")
}

extension ProtocolDescriptor {
    /// HTTP/1: a client's request line or a server's status line, or ports 80 and 8080.
    package static let http1 = ProtocolDescriptor(
        application: .http1,
        detect: { client, server in
            httpMethods.contains(where: { client.starts(with: $0) }) || server.starts(with: Array("HTTP/1.".utf8))
        },
        // Port 80 decides even an empty conversation, 8080 only one the client spoke in.
        defaultPorts: [DefaultPort(80, when: .always), DefaultPort(8080, when: .clientSent)],
        alpnIdentifiers: ["http/1.1"],
        makeDissector: { HTTP1Dissector() },
        content: ContentDecoding(fields: { HTTP1Content.fields($0) }, text: { bytes, _ in HTTP1Content.text(bytes) }),
        correlation: RequestCorrelation(
            values: { HTTP1Correlation.values($0) }, rewrite: { HTTP1Correlation.rewrite($0, $1) }),
        findingLayer: "http",
        makeCredentialLocator: { HTTP1CredentialLocator() })

    private static let httpMethods: [[UInt8]] = [
        "GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "PRI ",
    ].map { Array($0.utf8) }
}
