/// Builds a JSON document as text, in the order fields are written.
///
/// Small and Foundation-free: field order stays as written (stable output for diffs and tests),
/// and strings are escaped per RFC 8259.
public struct JSONWriter {
    /// The document so far.
    public internal(set) var text = ""
    private var needsComma: [Bool] = [false]

    /// An empty document.
    public init() {}

    /// Opens an object (`{`), as a value or as the field `key` of the enclosing object.
    public mutating func beginObject(_ key: String? = nil) {
        prefix(key)
        text += "{"
        needsComma.append(false)
    }

    /// Closes the innermost object.
    public mutating func endObject() {
        text += "}"
        needsComma.removeLast()
    }

    /// Opens an array (`[`), as a value or as the field `key`.
    public mutating func beginArray(_ key: String? = nil) {
        prefix(key)
        text += "["
        needsComma.append(false)
    }

    /// Closes the innermost array.
    public mutating func endArray() {
        text += "]"
        needsComma.removeLast()
    }

    /// Writes a string, or `null` for `nil`.
    public mutating func string(_ key: String?, _ value: String?) {
        prefix(key)
        if let value { JSONWriter.escape(value, into: &text) } else { text += "null" }
    }

    /// Writes an integer, or `null` for `nil`.
    public mutating func number<Value: BinaryInteger>(_ key: String?, _ value: Value?) {
        prefix(key)
        if let value { text += String(value) } else { text += "null" }
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ key: String?, _ value: Bool) {
        prefix(key)
        text += value ? "true" : "false"
    }

    /// Writes the comma before a value and its key, when it has one.
    mutating func prefix(_ key: String?) {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
        if let key {
            JSONWriter.escape(key, into: &text)
            text += ":"
        }
    }

    /// Appends `value` as a quoted, escaped JSON string.
    public static func escape(_ value: String, into output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}
