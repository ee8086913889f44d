import NIOCore
import NIOHPACK

/// Builds HTTP/2 bytes for tests: frames, and header blocks from one HPACK encoder per direction
/// (so the dynamic table is exercised as a real peer would).
struct HTTP2Wire {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static let endStream: UInt8 = 0x1
    static let ack: UInt8 = 0x1
    static let endHeaders: UInt8 = 0x4
    static let padded: UInt8 = 0x8
    static let priority: UInt8 = 0x20

    private var encoder = HPACKEncoder(allocator: ByteBufferAllocator())

    /// An HPACK header block.
    mutating func block(_ headers: [(String, String)]) -> [UInt8] {
        var buffer = ByteBuffer()
        try! encoder.encode(headers: HPACKHeaders(headers), to: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// A HEADERS frame carrying a whole block.
    mutating func headers(_ stream: UInt32, _ headers: [(String, String)], endStream: Bool = false) -> [UInt8] {
        HTTP2Wire.frame(
            0x1, flags: HTTP2Wire.endHeaders | (endStream ? HTTP2Wire.endStream : 0), stream: stream, block(headers))
    }

    static func frame(_ type: UInt8, flags: UInt8 = 0, stream: UInt32, _ payload: [UInt8]) -> [UInt8] {
        frameHeader(length: payload.count, type: type, flags: flags, stream: stream) + payload
    }

    static func frameHeader(length: Int, type: UInt8, flags: UInt8 = 0, stream: UInt32) -> [UInt8] {
        [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type, flags] + be32(stream)
    }

    static func data(_ stream: UInt32, _ payload: [UInt8], endStream: Bool = false) -> [UInt8] {
        frame(0x0, flags: endStream ? HTTP2Wire.endStream : 0, stream: stream, payload)
    }

    static func settings(_ entries: [(UInt16, UInt32)] = []) -> [UInt8] {
        frame(0x4, stream: 0, entries.flatMap { [UInt8($0.0 >> 8), UInt8($0.0 & 0xFF)] + be32($0.1) })
    }

    static let settingsAck = frame(0x4, flags: ack, stream: 0, [])

    static func ping(ack: Bool = false) -> [UInt8] {
        frame(0x6, flags: ack ? HTTP2Wire.ack : 0, stream: 0, [1, 2, 3, 4, 5, 6, 7, 8])
    }

    static func windowUpdate(_ stream: UInt32, _ increment: UInt32) -> [UInt8] {
        frame(0x8, stream: stream, be32(increment))
    }

    static func rstStream(_ stream: UInt32, _ code: UInt32) -> [UInt8] {
        frame(0x3, stream: stream, be32(code))
    }

    static func goaway(lastStream: UInt32, _ code: UInt32, debug: String = "") -> [UInt8] {
        frame(0x7, stream: 0, be32(lastStream) + be32(code) + Array(debug.utf8))
    }

    /// gRPC length-prefixed message.
    static func grpcMessage(_ payload: [UInt8]) -> [UInt8] {
        [0] + be32(UInt32(payload.count)) + payload
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
