import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the values of HTTP/1 `Authorization`, `Proxy-Authorization`, `Cookie` and `Set-Cookie`
/// headers, either direction (see `CredentialLocator`).
///
/// It reads lines, not messages: a line that starts with one of those names and a colon (any case)
/// has its value marked, from the first byte after the optional whitespace to the end of the line.
/// Header lines are found in every request and response of a keep-alive connection without
/// following body lengths; a body line that looks like such a header is marked too (its length
/// stays, so nothing else changes). It keeps at most the first 20 bytes of a line.
public struct HTTP1CredentialLocator: CredentialLocator {
    private enum LineState {
        /// Reading what may be a header name (`name` holds it, lowercased).
        case name
        /// Between the colon and the value of a marked header (`rule` indexes `rules`).
        case whitespace(rule: Int)
        /// In the value of a marked header.
        case value(rule: Int)
        /// In a line that holds nothing to mark.
        case rest
    }

    private struct DirectionState {
        var offset: Int64 = 0
        var line = LineState.name
        var name: [UInt8] = []
    }

    private static let maximumName = 20
    private static let names: [[UInt8]] = ["authorization", "proxy-authorization", "cookie", "set-cookie"].map {
        Array($0.utf8)
    }
    private static let rules = [
        "http Authorization header", "http Proxy-Authorization header", "http Cookie header",
        "http Set-Cookie header",
    ]

    private var states = DirectionPair(repeating: DirectionState())

    /// A locator at the start of a conversation.
    public init() {}

    /// Reads the next bytes of `direction` and appends where header values to hide are.
    public mutating func locate(
        _ bytes: UnsafeRawBufferPointer, direction: Direction, into spans: inout [CredentialSpan]
    ) {
        var state = states[direction]
        defer { states[direction] = state }
        let start = state.offset
        state.offset += Int64(bytes.count)
        var index = 0
        while index < bytes.count {
            if case .rest = state.line {
                // Nothing to find before the next line: step over it at once.
                guard let newline = memchr(bytes.baseAddress! + index, 0x0A, bytes.count - index) else { return }
                index = bytes.baseAddress!.distance(to: UnsafeRawPointer(newline))
            }
            let byte = bytes[index]
            let offset = start + Int64(index)
            index += 1
            if byte == UInt8(ascii: "\n") {
                state.line = .name
                state.name.removeAll(keepingCapacity: true)
                continue
            }
            switch state.line {
            case .name:
                if byte == UInt8(ascii: ":") {
                    state.line = Self.names.firstIndex(of: state.name).map { .whitespace(rule: $0) } ?? .rest
                } else if state.name.count < Self.maximumName && byte != UInt8(ascii: "\r") {
                    state.name.append(byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0))
                } else {
                    state.line = .rest
                }
            case .whitespace(let rule):
                if byte == UInt8(ascii: "\r") {
                    state.line = .rest
                } else if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") {
                    state.line = .value(rule: rule)
                    spans.mark(offset, rule: Self.rules[rule])
                }
            case .value(let rule):
                if byte == UInt8(ascii: "\r") {
                    state.line = .rest
                } else {
                    spans.mark(offset, rule: Self.rules[rule])
                }
            case .rest:
                break
            }
        }
    }
}
