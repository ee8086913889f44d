/// The frame types of RFC 9113 6. A frame of any other type is an extension frame, which a
/// receiver ignores (RFC 9113 4.1), so a header keeps its type byte and `HTTP2FrameHeader.kind` is
/// `nil` for those.
enum HTTP2FrameType: UInt8, Sendable, Hashable {
    case data = 0x0
    case headers = 0x1
    case priority = 0x2
    case rstStream = 0x3
    case settings = 0x4
    case pushPromise = 0x5
    case ping = 0x6
    case goaway = 0x7
    case windowUpdate = 0x8
    case continuation = 0x9

    /// `DATA`, `HEADERS`...
    var name: String {
        switch self {
        case .data: return "DATA"
        case .headers: return "HEADERS"
        case .priority: return "PRIORITY"
        case .rstStream: return "RST_STREAM"
        case .settings: return "SETTINGS"
        case .pushPromise: return "PUSH_PROMISE"
        case .ping: return "PING"
        case .goaway: return "GOAWAY"
        case .windowUpdate: return "WINDOW_UPDATE"
        case .continuation: return "CONTINUATION"
        }
    }
}
