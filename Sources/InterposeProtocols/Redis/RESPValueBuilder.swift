/// Builds whole RESP values from what `RESPReader` reads, for bytes already in memory (a recorded
/// reply or command): the reader frames and checks every value as it does for the dissector, and
/// tells the builder each leaf and each aggregate as it opens and closes.
struct RESPValueBuilder {
    /// An aggregate being filled.
    private struct Open {
        var type: RESPType
        var elements: [RESPValue] = []
    }

    private var open: [Open] = []
    /// The top-level value, once complete.
    private var root: RESPValue?

    /// The top-level value just completed, which the builder then forgets.
    mutating func takeRoot() -> RESPValue? {
        defer { root = nil }
        return root
    }

    /// A leaf value (or an empty or null aggregate).
    mutating func leaf(_ value: RESPValue) {
        if open.isEmpty {
            root = value
        } else {
            open[open.count - 1].elements.append(value)
        }
    }

    /// A simple (line) value of `type` with the text after its type byte.
    mutating func line(_ type: RESPType, _ text: Substring) {
        switch type {
        case .simpleString: leaf(.simple(String(text)))
        case .simpleError: leaf(.error(String(text)))
        case .integer: leaf(.integer(String(text)))
        case .double: leaf(.double(String(text)))
        case .bigNumber: leaf(.bigNumber(String(text)))
        case .boolean: leaf(.boolean(text == "t"))
        default: leaf(.null)
        }
    }

    /// A complete bulk value of `type` (`$`, `!`, `=`).
    mutating func bulk(_ type: RESPType, _ data: [UInt8]) {
        switch type {
        case .bulkError:
            leaf(.error(String(decoding: data, as: UTF8.self)))
        case .verbatimString:
            // `txt:` and the text; the format is the three bytes before the colon.
            let format =
                data.count >= 4 && data[3] == UInt8(ascii: ":") ? String(decoding: data[0..<3], as: UTF8.self) : ""
            leaf(.verbatim(format: format, format.isEmpty ? data : Array(data[4...])))
        default:
            leaf(.bulk(data))
        }
    }

    /// An aggregate of `type` announced with `count` (`-1` for a null, `0` for an empty one); when
    /// elements follow, `close` ends it.
    mutating func aggregate(_ type: RESPType, count: Int) {
        if count == -1 {
            leaf(.null)
        } else if count == 0 {
            // An empty attribute annotates nothing; empty aggregates are values.
            if type != .attribute { leaf(Self.value(of: Open(type: type))) }
        } else {
            open.append(Open(type: type))
        }
    }

    /// The innermost aggregate has all its elements; an attribute is dropped (it annotates the value
    /// after it and is not an element itself).
    mutating func close() {
        guard let done = open.popLast() else { return }
        if done.type != .attribute { leaf(Self.value(of: done)) }
    }

    private static func value(of aggregate: Open) -> RESPValue {
        switch aggregate.type {
        case .set: return .set(aggregate.elements)
        case .push: return .push(aggregate.elements)
        case .map, .attribute:
            let elements = aggregate.elements
            return .map(
                stride(from: 0, to: elements.count - 1, by: 2).map {
                    RESPValue.Pair(key: elements[$0], value: elements[$0 + 1])
                })
        default: return .array(aggregate.elements)
        }
    }
}
