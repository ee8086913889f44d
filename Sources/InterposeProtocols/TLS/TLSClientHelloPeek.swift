import NIOCore

/// What a TLS interceptor needs from the first bytes a client sends, before it answers them: whether
/// they are a ClientHello, and if so the server name and application protocols it asked for.
///
/// The proxy reads these to open the upstream TLS connection with the same name and the same ALPN
/// offer, and only then answers the client with what the upstream chose. swift-nio's `SNIHandler`
/// reads the server name only; the ALPN offer needs the whole extension list, which `TLSHello`
/// (the dissector's ClientHello reader) already parses, so this reuses it.
///
/// ```swift
/// switch TLSClientHelloPeek.inspect(buffered) {
/// case .complete(let hello): connectUpstream(serverName: hello.serverName, protocols: hello.protocols)
/// case .incomplete: readMore()
/// case .notTLS(let reason): refuse(reason)
/// }
/// ```
public enum TLSClientHelloPeek: Sendable, Equatable {
    /// The ClientHello is not complete yet: read more bytes.
    case incomplete
    /// A whole ClientHello.
    case complete(Hello)
    /// The bytes are not the start of a TLS connection; `reason` says what was seen.
    case notTLS(reason: String)

    /// The fields of a ClientHello the interceptor uses.
    public struct Hello: Sendable, Equatable {
        /// The server_name extension's host name, `nil` when absent.
        public var serverName: String?
        /// The ALPN protocols offered, in the client's order (empty when the extension is absent).
        public var protocols: [String]
        /// The TLS versions offered (supported_versions, else the legacy version).
        public var versions: [Int]

        /// A hello from its parts.
        public init(serverName: String?, protocols: [String], versions: [Int]) {
            self.serverName = serverName
            self.protocols = protocols
            self.versions = versions
        }
    }

    /// The largest ClientHello waited for; a longer one is refused rather than buffered without end.
    public static let sizeLimit = 64 * 1_024

    /// Reads the ClientHello at the start of `bytes` (the client's first bytes, not consumed).
    /// - Parameter bytes: everything the client has sent so far.
    /// - Returns: whether the hello is complete, still incomplete, or not TLS at all.
    public static func inspect(_ bytes: ByteBuffer) -> TLSClientHelloPeek {
        var records = bytes
        var handshake: [UInt8] = []
        // A ClientHello may span several handshake records (RFC 8446 §5.1); join their bodies until
        // the handshake message's own length is reached.
        while true {
            if let needed = handshakeLength(handshake), handshake.count >= needed + 4 {
                guard handshake[0] == TLSHandshakeType.clientHello.rawValue else {
                    return .notTLS(reason: "the first handshake message is type \(handshake[0]), not a ClientHello")
                }
                guard let hello = TLSHello(clientHello: Array(handshake[4..<(needed + 4)])) else {
                    return .notTLS(reason: "the ClientHello is malformed")
                }
                let versions = hello.versions.isEmpty ? [hello.legacyVersion] : hello.versions
                return .complete(Hello(serverName: hello.serverName, protocols: hello.protocols, versions: versions))
            }
            if let needed = handshakeLength(handshake), needed + 4 > sizeLimit {
                return .notTLS(reason: "a ClientHello of \(needed) bytes is over the \(sizeLimit)-byte limit")
            }
            guard let type = records.getInteger(at: records.readerIndex, as: UInt8.self) else { return .incomplete }
            guard type == TLSContentType.handshake.rawValue else {
                return .notTLS(reason: describeNonTLS(records))
            }
            guard records.readableBytes >= 5 else { return .incomplete }
            let major = records.getInteger(at: records.readerIndex + 1, as: UInt8.self)!
            let length = Int(records.getInteger(at: records.readerIndex + 3, as: UInt16.self)!)
            guard major == 3, length > 0, length <= 16_384 + 2_048 else {
                return .notTLS(reason: "a handshake record with version byte \(major) and length \(length)")
            }
            guard records.readableBytes >= 5 + length else { return .incomplete }
            records.moveReaderIndex(forwardBy: 5)
            handshake += records.readBytes(length: length)!
        }
    }

    /// The body length of the handshake message at the start of `bytes`, once its header is there.
    private static func handshakeLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
    }

    /// Says what a client that does not start with a TLS handshake record sent instead.
    private static func describeNonTLS(_ bytes: ByteBuffer) -> String {
        let prefix = bytes.getBytes(at: bytes.readerIndex, length: min(8, bytes.readableBytes)) ?? []
        let printable = prefix.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        if printable, !prefix.isEmpty {
            return
                "the client sent plaintext (\"\(String(decoding: prefix, as: UTF8.self))...\"), not a TLS ClientHello"
        }
        let hex = prefix.map { byte in
            String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return "the client's first bytes (\(hex.joined(separator: " "))) are not a TLS handshake record"
    }
}
