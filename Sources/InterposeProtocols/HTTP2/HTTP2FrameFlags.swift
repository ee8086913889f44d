/// The flags of an HTTP/2 frame header (RFC 9113 6); which ones a frame may carry depends on its type.
struct HTTP2FrameFlags: OptionSet, Sendable, Hashable {
    let rawValue: UInt8

    /// END_STREAM on DATA and HEADERS.
    static let endStream = HTTP2FrameFlags(rawValue: 0x1)
    /// ACK on SETTINGS and PING (the same bit as END_STREAM).
    static let ack = HTTP2FrameFlags(rawValue: 0x1)
    /// END_HEADERS on HEADERS, PUSH_PROMISE and CONTINUATION.
    static let endHeaders = HTTP2FrameFlags(rawValue: 0x4)
    /// PADDED on DATA, HEADERS and PUSH_PROMISE.
    static let padded = HTTP2FrameFlags(rawValue: 0x8)
    /// PRIORITY on HEADERS.
    static let priority = HTTP2FrameFlags(rawValue: 0x20)
}
