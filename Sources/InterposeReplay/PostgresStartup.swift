import InterposeProtocols
import NIOCore

/// Reads a recorded PostgreSQL startup message (after an optional SSLRequest or GSSENCRequest) for
/// its parameters: the replay needs the user to answer an md5 challenge.
enum PostgresStartup {
    /// The startup parameters (`user`, `database`, ...) at the start of a client stream; empty
    /// when the bytes do not start with one.
    static func parameters(_ bytes: ByteBuffer) -> [String: String] {
        var buffer = bytes
        while let length: Int32 = buffer.getInteger(at: buffer.readerIndex), length >= 8,
            let code: Int32 = buffer.getInteger(at: buffer.readerIndex + 4)
        {
            guard var message = buffer.readSlice(length: Int(length)) else { return [:] }
            if code == PostgresStartupCode.sslRequest.rawValue || code == PostgresStartupCode.gssEncRequest.rawValue {
                continue
            }
            guard code == PostgresStartupCode.protocol3.rawValue else { return [:] }
            message.moveReaderIndex(forwardBy: 8)
            let fields = String(decoding: message.readableBytesView, as: UTF8.self).split(separator: "\0")
            var parameters: [String: String] = [:]
            var index = 0
            while index + 1 < fields.count {
                parameters[String(fields[index])] = String(fields[index + 1])
                index += 2
            }
            return parameters
        }
        return [:]
    }
}
