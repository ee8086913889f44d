import NIOCore

/// Answers the replay target's PostgreSQL authentication request, or says clearly why it cannot.
///
/// Replays run against trust authentication (the target answers the startup with
/// AuthenticationOk) or cleartext passwords (`--pg-password`). An md5 or SCRAM-SHA-256 challenge
/// ends the conversation with a line that says so: those need a hash of the password with the
/// target's salt or nonce, which this build does not compute.
struct PostgresAuthentication {
    /// What to do about the bytes the target sent.
    enum Outcome: Equatable {
        /// Nothing: keep going.
        case proceed
        /// Send these bytes (a PasswordMessage).
        case send([UInt8])
        /// Authentication cannot be done: stop the conversation with this reason.
        case fail(String)
    }

    private let password: String?
    private var pending = ByteBuffer()
    private var done = false

    /// An authenticator with the password of `--pg-password`, if any.
    init(password: String?) {
        self.password = password
    }

    /// Reads the target's bytes until authentication is over (AuthenticationOk or an error).
    mutating func received(_ bytes: ByteBuffer) -> Outcome {
        guard !done else { return .proceed }
        var incoming = bytes
        pending.writeBuffer(&incoming)
        var outcome = Outcome.proceed
        while !done, pending.readableBytes >= 5 {
            let start = pending.readerIndex
            guard let type: UInt8 = pending.getInteger(at: start), let length: Int32 = pending.getInteger(at: start + 1),
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
            let code: Int32 = pending.getInteger(at: start + 5) ?? -1
            pending.moveReaderIndex(forwardBy: 1 + Int(length))
            switch type {
            case UInt8(ascii: "R"):
                outcome = challenge(code)
                if case .fail = outcome { done = true }
            case UInt8(ascii: "E"), UInt8(ascii: "Z"):
                done = true
            default:
                break
            }
        }
        pending.discardReadBytes()
        return outcome
    }

    private mutating func challenge(_ code: Int32) -> Outcome {
        switch code {
        case 0:
            done = true
            return .proceed
        case 3:
            guard let password else {
                return .fail("the PostgreSQL target asks for a cleartext password: pass --pg-password")
            }
            var message: [UInt8] = [UInt8(ascii: "p")]
            let body = Array(password.utf8) + [0]
            let length = UInt32(4 + body.count)
            message += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            return .send(message + body)
        case 5:
            return .fail(
                "the PostgreSQL target asks for md5 password authentication; replay supports trust and cleartext "
                    + "(--pg-password): give the replay user trust or password in the target's pg_hba.conf")
        case 10:
            return .fail(
                "the PostgreSQL target asks for SCRAM-SHA-256 authentication; replay supports trust and cleartext "
                    + "(--pg-password): give the replay user trust or password in the target's pg_hba.conf")
        default:
            return .fail("the PostgreSQL target asks for authentication method \(code), which replay does not support")
        }
    }
}
