import InterposeCore

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
        /// Between the colon and the value of a marked header.
        case whitespace(rule: String)
        /// In the value of a marked header.
        case value(rule: String)
        /// In a line that holds nothing to mark.
        case rest
    }

    private struct DirectionState {
        var offset: Int64 = 0
        var line = LineState.name
        var name: [UInt8] = []
    }

    private static let maximumName = 20
    private static let rules: [[UInt8]: String] = [
        Array("authorization".utf8): "http Authorization header",
        Array("proxy-authorization".utf8): "http Proxy-Authorization header",
        Array("cookie".utf8): "http Cookie header",
        Array("set-cookie".utf8): "http Set-Cookie header",
    ]

    private var states = DirectionPair(repeating: DirectionState())

    /// A locator at the start of a conversation.
    public init() {}

    /// Reads the next bytes of `direction` and appends where header values to hide are.
    public mutating func locate(_ bytes: [UInt8], direction: Direction, into spans: inout [CredentialSpan]) {
        var state = states[direction]
        defer { states[direction] = state }
        for byte in bytes {
            let offset = state.offset
            state.offset += 1
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                state.line = .name
                state.name.removeAll(keepingCapacity: true)
                continue
            }
            switch state.line {
            case .name:
                if byte == UInt8(ascii: ":") {
                    if let rule = Self.rules[state.name] {
                        state.line = .whitespace(rule: rule)
                    } else {
                        state.line = .rest
                    }
                } else if state.name.count < Self.maximumName {
                    state.name.append(byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0))
                } else {
                    state.line = .rest
                }
            case .whitespace(let rule):
                if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") {
                    state.line = .value(rule: rule)
                    spans.mark(offset, rule: rule)
                }
            case .value(let rule):
                spans.mark(offset, rule: rule)
            case .rest:
                break
            }
        }
    }
}
