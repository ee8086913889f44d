import NIOCore

/// The 9-byte header every HTTP/2 frame starts with (RFC 9113 4.1): a 24-bit payload length, the
/// type, the flags and a 31-bit stream identifier.
struct HTTP2FrameHeader: Hashable {
    /// Bytes in a frame header.
    static let size = 9

    /// Payload bytes that follow the header.
    var length: Int
    var type: UInt8
    var flags: UInt8
    /// The stream, with the reserved bit cleared.
    var stream: UInt32

    /// Reads a frame header; `nil` (and nothing read) when fewer than 9 bytes are readable.
    static func read(from buffer: inout ByteBuffer) -> HTTP2FrameHeader? {
        guard buffer.readableBytes >= size,
            let high = buffer.readInteger(as: UInt8.self),
            let low = buffer.readInteger(as: UInt16.self),
            let type = buffer.readInteger(as: UInt8.self),
            let flags = buffer.readInteger(as: UInt8.self),
            let stream = buffer.readInteger(as: UInt32.self)
        else { return nil }
        return HTTP2FrameHeader(
            length: Int(high) << 16 | Int(low), type: type, flags: flags, stream: stream & 0x7FFF_FFFF)
    }

    /// The frame's type; `nil` for an extension frame.
    var kind: HTTP2FrameType? { HTTP2FrameType(rawValue: type) }

    /// Whether the frame carries `flag`.
    func has(_ flag: HTTP2FrameFlags) -> Bool { flags & flag.rawValue != 0 }

    /// `HEADERS`, `DATA`..., or `type 0x2a` for extension frames.
    var typeName: String { HTTP2FrameHeader.typeName(type) }

    static func typeName(_ type: UInt8) -> String {
        if let kind = HTTP2FrameType(rawValue: type) { return kind.name }
        let hex = String(type, radix: 16)
        return "type 0x" + (hex.count < 2 ? "0" + hex : hex)
    }

    /// The name of an HTTP/2 error code (RFC 9113 7): `NO_ERROR`, `CANCEL`, or `0x...` when unknown.
    static func errorName(_ code: UInt32) -> String {
        let names = [
            "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
            "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR",
            "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
        ]
        return code < UInt32(names.count) ? names[Int(code)] : "0x" + String(code, radix: 16)
    }
}
