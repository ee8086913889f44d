/// Redis replies as fields and text, written the way redis-cli prints them: `OK`, `(integer) 5`,
/// `"abc"`, `(nil)`, `(empty array)`; arrays as `reply[0]`, RESP3 maps as `reply.<key>`.
enum RedisContent {
    /// The fields of a reply; `nil` when the bytes are not RESP.
    static func fields(_ bytes: [UInt8]) -> [ContentField]? {
        guard let values = RESPReader.values(in: bytes) else { return nil }
        var fields: [ContentField] = []
        for (index, value) in values.enumerated() {
            let path = index == 0 ? "reply" : "reply#\(index + 1)"
            if case .error(let message) = value {
                fields.append(
                    ContentField(
                        path: index == 0 ? "error" : path + ".error", value: message, statusClass: errorClass(message)))
            } else {
                add(value, at: path, to: &fields)
            }
        }
        return fields
    }

    /// The reply as redis-cli prints it; a command (an array of bulk strings sent by a client) as
    /// `SET key value` when `isRequest`.
    static func text(_ bytes: [UInt8], isRequest: Bool) -> String? {
        guard let values = RESPReader.values(in: bytes) else { return nil }
        return values.map { value in
            if isRequest, case .array(let arguments) = value, let line = commandLine(arguments) { return line }
            return text(of: value)
        }.joined(separator: "\n")
    }

    private static func add(_ value: RESPValue, at path: String, to fields: inout [ContentField]) {
        switch value {
        case .array(let elements), .push(let elements):
            if elements.isEmpty { fields.append(ContentField(path: path, value: emptyText(value))) }
            for (index, element) in elements.enumerated() {
                add(element, at: path + "[\(index)]", to: &fields)
            }
        case .set(let elements):
            if elements.isEmpty { fields.append(ContentField(path: path, value: emptyText(value))) }
            // A set has no order: its members are compared sorted, so the same members in another
            // order are the same reply.
            for (index, element) in elements.sorted(by: { text(of: $0) < text(of: $1) }).enumerated() {
                add(element, at: path + "[\(index)]", to: &fields)
            }
        case .map(let pairs):
            if pairs.isEmpty { fields.append(ContentField(path: path, value: emptyText(value))) }
            for pair in pairs {
                add(pair.value, at: path + "." + keyText(pair.key), to: &fields)
            }
        case .error(let message):
            // An error inside an aggregate (a failed command of a MULTI/EXEC) is a status too.
            fields.append(ContentField(path: path, value: text(of: value), statusClass: errorClass(message)))
        default:
            fields.append(ContentField(path: path, value: text(of: value)))
        }
    }

    /// The class of an error reply: its first word (`ERR`, `WRONGTYPE`, `NOAUTH`), as Redis
    /// documents error prefixes; the rest of the message is content.
    static func errorClass(_ message: String) -> String {
        let word = message.prefix { $0 != " " }
        return word.isEmpty ? "ERR" : String(word)
    }

    /// A map key in a path: a string as it is, anything else as redis-cli prints it.
    private static func keyText(_ key: RESPValue) -> String {
        switch key {
        case .simple(let text): return text
        case .bulk(let bytes): return ByteText.escaped(bytes)
        default: return text(of: key)
        }
    }

    private static func emptyText(_ value: RESPValue) -> String {
        switch value {
        case .map: return "(empty hash)"
        case .set: return "(empty set)"
        case .push: return "(empty push)"
        default: return "(empty array)"
        }
    }

    /// A value as redis-cli prints it in a terminal, aggregates numbered and indented.
    static func text(of value: RESPValue) -> String {
        switch value {
        case .simple(let text): return text
        case .error(let message): return "(error) " + message
        case .integer(let text): return "(integer) " + text
        case .bulk(let bytes): return ByteText.quoted(bytes)
        case .null: return "(nil)"
        case .double(let text): return "(double) " + text
        case .boolean(let value): return value ? "(true)" : "(false)"
        case .bigNumber(let text): return "(big number) " + text
        case .verbatim(_, let bytes): return ByteText.quoted(bytes)
        case .array(let elements), .set(let elements), .push(let elements):
            guard !elements.isEmpty else { return emptyText(value) }
            return numbered(elements.map { text(of: $0) }, mark: ")")
        case .map(let pairs):
            guard !pairs.isEmpty else { return emptyText(value) }
            return numbered(pairs.map { text(of: $0.key) + " => " + text(of: $0.value) }, mark: "#")
        }
    }

    /// `1) first`, `2) second`, with continuation lines indented under the first.
    private static func numbered(_ items: [String], mark: String) -> String {
        let width = String(items.count).count
        return items.enumerated().map { index, item in
            let number = String(index + 1)
            let prefix = String(repeating: " ", count: width - number.count) + number + mark + " "
            let indent = String(repeating: " ", count: prefix.count)
            return item.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { line, text in
                (line == 0 ? prefix : indent) + text
            }.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// `SET key "two words"`: bare arguments as they are, others quoted; `nil` unless every
    /// element is a bulk string.
    private static func commandLine(_ arguments: [RESPValue]) -> String? {
        var words: [String] = []
        for argument in arguments {
            guard case .bulk(let bytes) = argument else { return nil }
            let bare =
                !bytes.isEmpty
                && bytes.allSatisfy {
                    $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "'")
                        && $0 != UInt8(ascii: "\\")
                }
            words.append(bare ? String(decoding: bytes, as: UTF8.self) : ByteText.quoted(bytes))
        }
        return words.isEmpty ? nil : words.joined(separator: " ")
    }
}
