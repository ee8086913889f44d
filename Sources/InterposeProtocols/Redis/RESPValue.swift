/// One RESP2 or RESP3 value, parsed whole from bytes that are already in memory (a recorded or
/// replayed reply), for comparison and display.
///
/// The dissector's `RESPReader` streams and keeps only a value's first leaves (it must not buffer a
/// 512 MB bulk string), so it cannot give the whole reply; this parser builds the whole value from
/// bytes already in memory, with the same type bytes (`RESPType`). Hand-written because RESP is a
/// dozen line-based types and no well-kept Swift library parses it from bytes without a connection.
indirect enum RESPValue: Equatable {
    /// `+OK`.
    case simple(String)
    /// `-ERR ...` or a RESP3 blob error `!`.
    case error(String)
    /// `:5`.
    case integer(String)
    /// `$3 abc`.
    case bulk([UInt8])
    /// `$-1`, `*-1` or RESP3 `_`.
    case null
    /// `*N`.
    case array([RESPValue])
    /// RESP3 `~N` (unordered).
    case set([RESPValue])
    /// RESP3 `>N` (out-of-band data, pub/sub messages).
    case push([RESPValue])
    /// RESP3 `%N`, keys and values in the order sent.
    case map([Pair])
    /// RESP3 `,3.14`.
    case double(String)
    /// RESP3 `#t`.
    case boolean(Bool)
    /// RESP3 `(123...`.
    case bigNumber(String)
    /// RESP3 `=N txt:...`: its format and text.
    case verbatim(format: String, [UInt8])

    /// A map entry.
    struct Pair: Equatable {
        var key: RESPValue
        var value: RESPValue
    }

    /// Parses every complete value in `bytes`; `nil` when the bytes do not start with one or are
    /// malformed.
    static func parseAll(_ bytes: [UInt8]) -> [RESPValue]? {
        var parser = Parser(bytes: bytes)
        var values: [RESPValue] = []
        while parser.index < bytes.count {
            guard let value = parser.value(depth: 0) else { return values.isEmpty ? nil : values }
            values.append(value)
        }
        return values.isEmpty ? nil : values
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func line() -> String? {
            var end = index
            while end + 1 < bytes.count, !(bytes[end] == 0x0D && bytes[end + 1] == 0x0A) { end += 1 }
            guard end + 1 < bytes.count else { return nil }
            defer { index = end + 2 }
            return String(decoding: bytes[index..<end], as: UTF8.self)
        }

        mutating func blob(_ lengthText: String) -> [UInt8]? {
            guard let length = Int(lengthText), length >= 0, length <= bytes.count - index - 2 else { return nil }
            defer { index += length + 2 }
            return Array(bytes[index..<index + length])
        }

        mutating func elements(_ countText: String, depth: Int) -> [RESPValue]? {
            guard let count = Int(countText), count >= 0 else { return nil }
            var elements: [RESPValue] = []
            for _ in 0..<count {
                guard let element = value(depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return elements
        }

        mutating func value(depth: Int) -> RESPValue? {
            guard depth < 64, index < bytes.count else { return nil }
            let type = bytes[index]
            index += 1
            guard let line = line() else { return nil }
            switch RESPType(rawValue: type) {
            case .simpleString: return .simple(line)
            case .simpleError: return .error(line)
            case .integer: return .integer(line)
            case .double: return .double(line)
            case .bigNumber: return .bigNumber(line)
            case .boolean: return .boolean(line == "t")
            case .null: return .null
            case .bulkString:
                if line.hasPrefix("-") { return .null }
                return blob(line).map { .bulk($0) }
            case .bulkError:
                return blob(line).map { .error(String(decoding: $0, as: UTF8.self)) }
            case .verbatimString:
                guard let data = blob(line) else { return nil }
                let format =
                    data.count >= 4 && data[3] == UInt8(ascii: ":") ? String(decoding: data[0..<3], as: UTF8.self) : ""
                return .verbatim(format: format, format.isEmpty ? data : Array(data[4...]))
            case .array:
                if line.hasPrefix("-") { return .null }
                return elements(line, depth: depth).map { .array($0) }
            case .set: return elements(line, depth: depth).map { .set($0) }
            case .push: return elements(line, depth: depth).map { .push($0) }
            case .map, .attribute:
                guard let count = Int(line), count >= 0, count <= bytes.count,
                    let flat = elements(String(count * 2), depth: depth)
                else { return nil }
                let pairs = stride(from: 0, to: flat.count, by: 2).map { Pair(key: flat[$0], value: flat[$0 + 1]) }
                // An attribute (`|`) is metadata about the value that follows it: skipped.
                return type == RESPType.attribute.rawValue ? value(depth: depth) : .map(pairs)
            case nil:
                return nil
            }
        }
    }
}
