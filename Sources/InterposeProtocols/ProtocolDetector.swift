/// Tells a conversation's application protocol from the first bytes each side sent, with the
/// server port as a hint for protocols whose first bytes say little.
///
/// Content wins over ports: Redis on port 7000 is still Redis. `--port-protocol PORT=NAME` hints
/// come first, then content, then well-known ports. Names beyond the dissected protocols (`ssh`,
/// `mysql`, `dns`) are reported but read as `raw`.
public struct ProtocolDetector: Sendable {
    /// What detection decided.
    public struct Detection: Sendable, Hashable {
        /// The dissector to read it with.
        public var application: ApplicationProtocol
        /// The name to report: the dissected protocol's, or a recognised one read as raw (`ssh`),
        /// or `unknown`.
        public var name: String

        /// A detection from its parts.
        public init(application: ApplicationProtocol, name: String) {
            self.application = application
            self.name = name
        }

        init(_ application: ApplicationProtocol) {
            self.init(application: application, name: application.rawValue)
        }
    }

    /// How many leading bytes of each direction detection looks at.
    public static let prefixLength = 24

    /// Protocols forced by server port (`--port-protocol 7000=redis`).
    public var portHints: [UInt16: ApplicationProtocol]

    /// A detector with port hints.
    public init(portHints: [UInt16: ApplicationProtocol] = [:]) {
        self.portHints = portHints
    }

    private static let httpMethods: [[UInt8]] = [
        "GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", "PRI ",
    ].map { Array($0.utf8) }

    /// The protocol of a conversation.
    /// - Parameters:
    ///   - client: the first bytes the client sent (up to `prefixLength`).
    ///   - server: the first bytes the server sent.
    ///   - serverPort: the server's port.
    public func detect(client: [UInt8], server: [UInt8], serverPort: UInt16) -> Detection {
        if let hinted = portHints[serverPort] { return Detection(hinted) }
        if client.starts(with: Array("PRI * HTTP/2.0".utf8)) { return Detection(.http2) }
        if ProtocolDetector.httpMethods.contains(where: { client.starts(with: $0) })
            || server.starts(with: Array("HTTP/1.".utf8))
        {
            return Detection(.http1)
        }
        if client.count >= 3, client[0] == 0x16, client[1] == 0x03, client[2] <= 0x04 { return Detection(.tls) }
        if client.starts(with: Array("SSH-".utf8)) || server.starts(with: Array("SSH-".utf8)) {
            return Detection(application: .raw, name: "ssh")
        }
        if client.count >= 8 {
            let length = ProtocolDetector.uint32(client, 0)
            let code = ProtocolDetector.uint32(client, 4)
            // StartupMessage (protocol 3.0), SSLRequest, GSSENCRequest, CancelRequest.
            if (8...10_000).contains(length), [0x0003_0000, 80_877_103, 80_877_104, 80_877_102].contains(code) {
                return Detection(.postgres)
            }
        }
        if ProtocolDetector.isMQTTConnect(client) { return Detection(.mqtt) }
        if client.count >= 2, client[0] == UInt8(ascii: "*"),
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(client[1])
        {
            return Detection(.redis)
        }
        if server.count >= 5, server[3] == 0, server[4] == 0x0A {
            return Detection(application: .raw, name: "mysql")
        }
        switch serverPort {
        case 6379 where !client.isEmpty || !server.isEmpty: return Detection(.redis)
        case 5432 where !client.isEmpty || !server.isEmpty: return Detection(.postgres)
        case 1883 where !client.isEmpty || !server.isEmpty: return Detection(.mqtt)
        case 80,
            8080 where !client.isEmpty:
            return Detection(.http1)
        case 53 where !client.isEmpty: return Detection(application: .raw, name: "dns")
        default: return Detection(application: .raw, name: "unknown")
        }
    }

    /// Whether the bytes begin an MQTT CONNECT: type 1, a remaining length, then the protocol name
    /// `MQTT` (3.1.1, 5) or `MQIsdp` (3.1).
    static func isMQTTConnect(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2, bytes[0] == 0x10 else { return false }
        var index = 1
        while index < bytes.count, index < 5, bytes[index] & 0x80 != 0 { index += 1 }
        index += 1
        let rest = bytes.dropFirst(index)
        return rest.starts(with: [0, 4] + Array("MQTT".utf8)) || rest.starts(with: [0, 6] + Array("MQIsdp".utf8))
            || (rest.count < 6 && !rest.isEmpty && rest.first == 0)
    }

    private static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
