import NIOCore

/// A Redis reply (RESP2), and the pure parser that reads one from the bytes received so far.
public indirect enum RESPReply: Sendable, Equatable {
    /// `+OK`.
    case simple(String)
    /// `-ERR ...`.
    case error(String)
    /// `:42`.
    case integer(Int)
    /// `$3\r\nfoo`; `nil` for the null bulk string `$-1`.
    case bulk(String?)
    /// `*2 ...`; `nil` for the null array `*-1`.
    case array([RESPReply]?)

    /// The longest line or bulk string this client accepts: the demo only reads counters.
    static let sizeLimit = 1 << 20

    /// Reads one reply from the front of `buffer`, moving its reader index past it.
    /// - Returns: the reply, or `nil` when more bytes are needed (the reader index is left alone).
    /// - Throws: `RedisError.malformedReply` when the bytes are not RESP.
    public static func parse(_ buffer: inout ByteBuffer) throws -> RESPReply? {
        var copy = buffer
        guard let reply = try parseOne(&copy) else { return nil }
        buffer = copy
        return reply
    }

    /// The bytes of a command: an array of bulk strings.
    public static func encodeCommand(_ arguments: [String], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            buffer.writeString("$\(argument.utf8.count)\r\n")
            buffer.writeString(argument)
            buffer.writeString("\r\n")
        }
    }

    private static func parseOne(_ buffer: inout ByteBuffer) throws -> RESPReply? {
        guard let kind = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = try readLine(&buffer) else { return nil }
        switch kind {
        case UInt8(ascii: "+"): return .simple(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"): return .integer(try number(line))
        case UInt8(ascii: "$"):
            let length = try number(line)
            if length == -1 { return .bulk(nil) }
            guard length >= 0, length <= sizeLimit else { throw RedisError.malformedReply("bulk length \(length)") }
            guard buffer.readableBytes >= length + 2 else { return nil }
            let text = buffer.readString(length: length) ?? ""
            guard buffer.readString(length: 2) == "\r\n" else {
                throw RedisError.malformedReply("bulk string not followed by CRLF")
            }
            return .bulk(text)
        case UInt8(ascii: "*"):
            let count = try number(line)
            if count == -1 { return .array(nil) }
            guard count >= 0, count <= 1024 else { throw RedisError.malformedReply("array length \(count)") }
            var items = [RESPReply]()
            for _ in 0..<count {
                guard let item = try parseOne(&buffer) else { return nil }
                items.append(item)
            }
            return .array(items)
        default:
            throw RedisError.malformedReply("unexpected type byte 0x\(String(kind, radix: 16))")
        }
    }

    private static func readLine(_ buffer: inout ByteBuffer) throws -> String? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > sizeLimit { throw RedisError.malformedReply("line longer than \(sizeLimit) bytes") }
            return nil
        }
        let length = cr - view.startIndex
        guard buffer.readableBytes >= length + 2 else { return nil }
        let line = buffer.readString(length: length) ?? ""
        guard buffer.readString(length: 2) == "\r\n" else {
            throw RedisError.malformedReply("CR not followed by LF")
        }
        return line
    }

    private static func number(_ line: String) throws -> Int {
        guard let value = Int(line) else { throw RedisError.malformedReply("'\(line)' is not a number") }
        return value
    }
}
