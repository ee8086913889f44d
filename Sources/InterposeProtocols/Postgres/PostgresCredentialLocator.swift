import InterposeCore

/// Finds the bodies of the PostgreSQL frontend's password messages (`p`: PasswordMessage with a
/// cleartext or MD5 password, SASLInitialResponse, SASLResponse, GSSResponse), see `CredentialLocator`.
///
/// It reads both directions by message lengths: the server's last Authentication request says
/// what the client's next `p` message is. A PasswordMessage keeps its NUL terminator and a
/// SASLInitialResponse its mechanism name and data length (so tshark still dissects them); the rest
/// of their bodies, and the whole body of a SASLResponse or GSSResponse, is marked. After an SSLRequest or GSSENCRequest that the server accepts, the bytes are
/// TLS and nothing is marked. Its state is a few integers per direction.
public struct PostgresCredentialLocator: CredentialLocator {
    private enum Part {
        /// The startup packet's (or SSLRequest's) 4-byte length, then its 4-byte code.
        case startupHeader
        /// A typed message's type byte.
        case type
        /// A typed message's 4-byte length.
        case length
        /// A message's body; `marked` says how its bytes are marked.
        case body(marked: Marking)
        /// The server's one-byte answer to an SSLRequest or GSSENCRequest.
        case negotiation
        /// The connection went over to TLS.
        case encrypted
    }

    private enum Marking: Equatable {
        case none
        /// The whole body, under `rule`.
        case all(String)
        /// A NUL-terminated password: the body but its terminator, under `rule`.
        case string(String)
        /// A SASLInitialResponse: the mechanism's name up to its NUL, 4 length bytes, then the data.
        case saslName
        case saslLength(Int)
        case saslData
    }

    private struct Side {
        var offset: Int64 = 0
        var part: Part
        var header: [UInt8] = []
        var type: UInt8 = 0
        var remaining = 0
    }

    private static let sslRequest: UInt32 = 80_877_103
    private static let gssRequest: UInt32 = 80_877_104

    private var client = Side(part: .startupHeader)
    private var server = Side(part: .type)
    /// The code of the server's last Authentication request (3 cleartext, 5 MD5, 10 SASL, 11 SASL
    /// continue).
    private var authenticationCode: UInt32 = 0
    /// The server's next byte answers a negotiation request.
    private var negotiating = false

    /// A locator at the start of a conversation.
    public init() {}

    /// Reads the next bytes of `direction` and appends where password message bodies are.
    public mutating func locate(
        _ bytes: UnsafeRawBufferPointer, direction: Direction, into spans: inout [CredentialSpan]
    ) {
        var index = 0
        while index < bytes.count {
            if direction == .clientToServer {
                if case .encrypted = client.part { return }
                if case .body(marked: .none) = client.part {
                    // A message that holds no password: step over its body.
                    let skipped = min(client.remaining, bytes.count - index)
                    client.remaining -= skipped
                    client.offset += Int64(skipped)
                    index += skipped
                    if client.remaining == 0 { client.part = .type }
                    continue
                }
                clientByte(bytes[index], into: &spans)
            } else {
                if case .encrypted = server.part { return }
                if case .body = server.part, server.type != UInt8(ascii: "R"), !negotiating {
                    let skipped = min(server.remaining, bytes.count - index)
                    server.remaining -= skipped
                    server.offset += Int64(skipped)
                    index += skipped
                    if server.remaining == 0 {
                        server.part = .type
                        server.header.removeAll(keepingCapacity: true)
                    }
                    continue
                }
                serverByte(bytes[index])
            }
            index += 1
        }
    }

    private static func integer(_ bytes: [UInt8]) -> UInt32 {
        bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    private var passwordRule: Marking {
        switch authenticationCode {
        case 10: return .saslName
        case 11: return .all("postgres SASLResponse")
        case 3, 5: return .string("postgres PasswordMessage")
        default: return .string("postgres password message")
        }
    }

    private mutating func clientByte(_ byte: UInt8, into spans: inout [CredentialSpan]) {
        let offset = client.offset
        client.offset += 1
        switch client.part {
        case .encrypted, .negotiation:
            return
        case .startupHeader:
            client.header.append(byte)
            guard client.header.count == 8 else { return }
            let length = Int(Self.integer(client.header))
            let code = Self.integer(Array(client.header.suffix(4)))
            client.header.removeAll(keepingCapacity: true)
            if code == Self.sslRequest || code == Self.gssRequest {
                negotiating = true
                client.part = .startupHeader
                return
            }
            client.remaining = max(length - 8, 0)
            client.part = client.remaining == 0 ? .type : .body(marked: .none)
        case .type:
            client.type = byte
            client.part = .length
        case .length:
            client.header.append(byte)
            guard client.header.count == 4 else { return }
            client.remaining = max(Int(Self.integer(client.header)) - 4, 0)
            client.header.removeAll(keepingCapacity: true)
            let marking = client.type == UInt8(ascii: "p") ? passwordRule : .none
            client.part = client.remaining == 0 ? .type : .body(marked: marking)
        case .body(let marking):
            client.remaining -= 1
            var next = marking
            switch marking {
            case .none: break
            case .all(let rule): spans.mark(offset, rule: rule)
            case .string(let rule): if client.remaining > 0 || byte != 0 { spans.mark(offset, rule: rule) }
            case .saslName: if byte == 0 { next = .saslLength(4) }
            case .saslLength(let left): next = left == 1 ? .saslData : .saslLength(left - 1)
            case .saslData: spans.mark(offset, rule: "postgres SASLInitialResponse data")
            }
            client.part = client.remaining == 0 ? .type : .body(marked: next)
        }
    }

    private mutating func serverByte(_ byte: UInt8) {
        server.offset += 1
        if negotiating {
            negotiating = false
            if byte == UInt8(ascii: "S") || byte == UInt8(ascii: "G") {
                client.part = .encrypted
                server.part = .encrypted
            }
            return
        }
        switch server.part {
        case .encrypted, .negotiation, .startupHeader:
            return
        case .type:
            server.type = byte
            server.part = .length
        case .length:
            server.header.append(byte)
            guard server.header.count == 4 else { return }
            server.remaining = max(Int(Self.integer(server.header)) - 4, 0)
            server.header.removeAll(keepingCapacity: true)
            server.part = server.remaining == 0 ? .type : .body(marked: .none)
        case .body:
            if server.type == UInt8(ascii: "R") {
                server.header.append(byte)
                if server.header.count == 4 {
                    authenticationCode = Self.integer(server.header)
                    server.header.removeAll(keepingCapacity: true)
                    server.type = 0
                }
            }
            server.remaining -= 1
            if server.remaining == 0 {
                server.part = .type
                server.header.removeAll(keepingCapacity: true)
            }
        }
    }
}
