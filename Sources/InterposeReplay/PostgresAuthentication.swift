import Crypto
import InterposeProtocols
import NIOCore

/// Answers the replay target's PostgreSQL authentication request, or says clearly why it cannot.
///
/// The recorded password messages answered the recorded server's salt or nonce and are not
/// replayed (`PostgresPasswordFilter`); this answers the target's own challenge with the password of
/// `--pg-password`: cleartext, md5 (with the user of the recorded startup message) and
/// SCRAM-SHA-256. Trust needs no password. Other methods (GSSAPI, SSPI, SCRAM with channel
/// binding only) end the conversation with a line that says so.
struct PostgresAuthentication {
    /// What to do about the bytes the target sent.
    enum Outcome: Equatable {
        /// Nothing: keep going.
        case proceed
        /// Send these bytes (a password or SASL message).
        case send([UInt8])
        /// Authentication cannot be done: stop the conversation with this reason.
        case fail(String)
    }

    private let password: String?
    private let user: String
    private var pending = ByteBuffer()
    private var done = false
    private var scram: PostgresSCRAM?

    /// An authenticator with the password of `--pg-password`, if any, for the user of the recorded
    /// startup message.
    init(password: String?, user: String) {
        self.password = password
        self.user = user
    }

    /// Reads the target's bytes until authentication is over (AuthenticationOk or an error).
    mutating func received(_ bytes: ByteBuffer) -> Outcome {
        guard !done else { return .proceed }
        var incoming = bytes
        pending.writeBuffer(&incoming)
        var outcome = Outcome.proceed
        while !done, pending.readableBytes >= 5 {
            let start = pending.readerIndex
            guard let type: UInt8 = pending.getInteger(at: start),
                let length: Int32 = pending.getInteger(at: start + 1),
                length >= 4
            else {
                done = true
                break
            }
            // A lone 'N' refuses a recorded SSLRequest and has no length: what follows it reads as an
            // absurd length (the next message's type byte shifted into the high byte).
            if type == UInt8(ascii: "N") && length > 1 << 24 {
                pending.moveReaderIndex(forwardBy: 1)
                continue
            }
            guard pending.readableBytes >= 1 + Int(length) else { break }
            pending.moveReaderIndex(forwardBy: 5)
            var body = pending.readSlice(length: Int(length) - 4)!
            switch PostgresBackendMessageID(rawValue: type) {
            case .authentication:
                let code: Int32 = body.readInteger() ?? -1
                let step = challenge(code, body)
                if step != .proceed { outcome = step }
                if case .fail = step { done = true }
            case .errorResponse, .readyForQuery:
                done = true
            default:
                break
            }
        }
        pending.discardReadBytes()
        return outcome
    }

    private mutating func challenge(_ code: Int32, _ body: ByteBuffer) -> Outcome {
        switch code {
        case 0:
            done = true
            return .proceed
        case 3:
            guard let password else { return .fail(needsPassword("a cleartext password")) }
            return .send(Self.message("p", Array(password.utf8) + [0]))
        case 5:
            guard let password else { return .fail(needsPassword("an md5 password")) }
            guard let salt = body.getBytes(at: body.readerIndex, length: 4) else {
                return .fail("the PostgreSQL target's md5 challenge has no salt")
            }
            let inner = Self.hex(Insecure.MD5.hash(data: Array((password + user).utf8)))
            let outer = Self.hex(Insecure.MD5.hash(data: Array(inner.utf8) + salt))
            return .send(Self.message("p", Array(("md5" + outer).utf8) + [0]))
        case 10:
            let mechanisms = String(decoding: body.readableBytesView, as: UTF8.self).split(separator: "\0")
            guard mechanisms.contains("SCRAM-SHA-256") else {
                return .fail(
                    "the PostgreSQL target offers SASL \(mechanisms.joined(separator: ", ")) only; replay speaks "
                        + "SCRAM-SHA-256 without channel binding")
            }
            guard let password else { return .fail(needsPassword("SCRAM-SHA-256 authentication")) }
            scram = PostgresSCRAM(password: password)
            let first = Array(scram!.clientFirstMessage.utf8)
            var payload = Array("SCRAM-SHA-256".utf8) + [0]
            payload += Self.int32(first.count) + first
            return .send(Self.message("p", payload))
        case 11:
            guard scram != nil else { return .fail("the PostgreSQL target continued a SASL exchange it did not start") }
            do {
                let final = try scram!.clientFinalMessage(
                    serverFirst: String(decoding: body.readableBytesView, as: UTF8.self))
                return .send(Self.message("p", Array(final.utf8)))
            } catch {
                return .fail("SCRAM-SHA-256 with the PostgreSQL target: \(error)")
            }
        case 12:
            do {
                try scram?.verify(serverFinal: String(decoding: body.readableBytesView, as: UTF8.self))
                return .proceed
            } catch {
                return .fail("SCRAM-SHA-256 with the PostgreSQL target: \(error)")
            }
        default:
            return .fail(
                "the PostgreSQL target asks for authentication method \(code), which replay does not support "
                    + "(it supports trust, cleartext, md5 and SCRAM-SHA-256)")
        }
    }

    private func needsPassword(_ what: String) -> String {
        let who = user.isEmpty ? "" : " for user \(user)"
        return
            "the PostgreSQL target asks for \(what)\(who): pass --pg-password\(user.isEmpty ? "" : " \(user)=PASSWORD")"
    }

    private static func message(_ type: Character, _ body: [UInt8]) -> [UInt8] {
        [type.asciiValue!] + int32(4 + body.count) + body
    }

    private static func int32(_ value: Int) -> [UInt8] {
        let value = UInt32(value)
        return [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static func hex(_ digest: Insecure.MD5.Digest) -> String {
        digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
