import InterposeProtocols
import NIOCore

/// Takes the recorded password out of a PostgreSQL client stream before it is replayed.
///
/// A recorded `PasswordMessage` (or SASL response) answered the recorded server's challenge, with
/// that server's salt or nonce; sent to another server it is wrong at best. Every frontend message
/// of type `p` is authentication, so all of them are dropped, and the replay answers the target's
/// own challenge (`PostgresAuthentication`). The untyped first messages (SSLRequest, GSSENCRequest,
/// StartupMessage, CancelRequest) are framed by their length alone.
struct PostgresPasswordFilter {
    private var pending = ByteBuffer()
    private var untyped = true

    /// The bytes of complete messages other than `p`; a message split over writes is held until whole.
    mutating func filter(_ bytes: ByteBuffer) -> ByteBuffer {
        var incoming = bytes
        pending.writeBuffer(&incoming)
        var output = ByteBuffer()
        while true {
            let header = untyped ? 4 : 5
            guard pending.readableBytes >= header else { break }
            let start = pending.readerIndex
            let type: UInt8? = untyped ? nil : pending.getInteger(at: start)
            guard let length: Int32 = pending.getInteger(at: start + (untyped ? 0 : 1)), length >= 4 else {
                // Not PostgreSQL framing after all: pass everything through untouched.
                output.writeBuffer(&pending)
                break
            }
            let size = Int(length) + (untyped ? 0 : 1)
            guard pending.readableBytes >= size, var message = pending.readSlice(length: size) else { break }
            if untyped {
                let code: Int32? = message.getInteger(at: message.readerIndex + 4)
                // SSLRequest and GSSENCRequest are followed by another untyped message.
                untyped =
                    code == PostgresStartupCode.sslRequest.rawValue
                    || code == PostgresStartupCode.gssEncRequest.rawValue
            }
            if type != PostgresFrontendMessageID.password.rawValue {
                output.writeBuffer(&message)
            }
        }
        pending.discardReadBytes()
        return output
    }
}
