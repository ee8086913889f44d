extension ApplicationProtocol {
    /// Redis serialization protocol, RESP2 and RESP3.
    public static let redis = ApplicationProtocol("redis")
}

extension ProtocolDescriptor {
    /// Redis: a client's command array (`*` and a digit), or port 6379.
    package static let redis = ProtocolDescriptor(
        application: .redis,
        detect: { client, _ in
            client.count >= 2 && client[0] == RESPType.array.rawValue
                && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(client[1])
        },
        defaultPorts: [DefaultPort(6379, when: .eitherSideSent)],
        makeDissector: { RedisDissector() },
        content: ContentDecoding(
            fields: { RedisContent.fields($0) },
            text: { bytes, isRequest in RedisContent.text(bytes, isRequest: isRequest) }
        ),
        correlation: RequestCorrelation(
            values: { RedisCorrelation.values($0) }, rewrite: { RedisCorrelation.rewrite($0, $1) }),
        makeCredentialLocator: { RedisCredentialLocator() })
}
