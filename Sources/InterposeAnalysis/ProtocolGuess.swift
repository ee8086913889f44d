/// A cheap guess at a conversation's application protocol from its first bytes and ports.
///
/// A stand-in until the protocol dissectors exist: it looks at the first bytes each way only.
public enum ProtocolGuess {
    /// How many leading bytes of each direction the guess needs.
    public static let prefixLength = 16

    private static let httpMethods: [[UInt8]] = ["GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ",
        "CONNECT ", "TRACE "].map { Array($0.utf8) }

    /// The protocol name (`http1`, `http2`, `tls`, `redis`, `postgres`, `mysql`, `ssh`, `dns`), or
    /// `unknown`.
    /// - Parameters:
    ///   - client: the first bytes the client sent (up to `prefixLength`).
    ///   - server: the first bytes the server sent.
    ///   - serverPort: the server's port, for protocols whose first bytes say little.
    public static func guess(client: [UInt8], server: [UInt8], serverPort: UInt16) -> String {
        if starts(client, "PRI * HTTP/2.0") { return "http2" }
        if httpMethods.contains(where: { client.starts(with: $0) }) || starts(server, "HTTP/1.") { return "http1" }
        if client.count >= 3, client[0] == 0x16, client[1] == 0x03, client[2] <= 0x04 { return "tls" }
        if starts(client, "SSH-") || starts(server, "SSH-") { return "ssh" }
        if client.count >= 8 {
            let length = UInt32(client[0]) << 24 | UInt32(client[1]) << 16 | UInt32(client[2]) << 8 | UInt32(client[3])
            let code = UInt32(client[4]) << 24 | UInt32(client[5]) << 16 | UInt32(client[6]) << 8 | UInt32(client[7])
            // StartupMessage (protocol 3.0), SSLRequest, GSSENCRequest, CancelRequest.
            if (8...10_000).contains(length), [0x0003_0000, 80_877_103, 80_877_104, 80_877_102].contains(code) {
                return "postgres"
            }
        }
        if client.count >= 2, client[0] == UInt8(ascii: "*"), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(client[1]) {
            return "redis"
        }
        if server.count >= 5, server[3] == 0, server[4] == 0x0A, serverPort == 3306 || server.count >= 5 && server[1] < 0x10 {
            return "mysql"
        }
        switch serverPort {
        case 6379: return client.isEmpty && server.isEmpty ? "unknown" : "redis"
        case 5432: return client.isEmpty && server.isEmpty ? "unknown" : "postgres"
        case 53: return client.isEmpty ? "unknown" : "dns"
        default: return "unknown"
        }
    }

    private static func starts(_ bytes: [UInt8], _ text: String) -> Bool {
        bytes.starts(with: text.utf8)
    }
}
