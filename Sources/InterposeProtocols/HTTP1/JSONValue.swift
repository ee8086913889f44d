import Foundation

/// A parsed JSON document, decoded with Foundation's `JSONDecoder`, that keeps booleans, integers
/// and other numbers apart (`NSNumber` from `JSONSerialization` blurs `true` and `1`).
enum JSONValue: Decodable, Equatable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// An integer that fits 64 bits, written back exactly (ids often exceed a Double's 53 bits).
    case integer(String)
    case number(Double)
    case bool(Bool)
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(String(value))
        } else if let value = try? container.decode(UInt64.self) {
            self = .integer(String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses a document; `nil` when the bytes are not JSON.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// Whether it is an object or an array (a body that is JSON by its looks, not its type).
    var isContainer: Bool {
        switch self {
        case .object, .array: return true
        default: return false
        }
    }

    /// Flattened to one field per scalar under `prefix` (`json:$`): `json:$.a.b`, `json:$.items[0]`.
    /// Object keys are sorted so the fields come out the same whatever order the keys were sent in;
    /// empty containers are fields of their own (`{}`, `[]`) so that emptying one is a difference.
    func flattened(at path: String = "json:$", into fields: inout [ContentField]) {
        switch self {
        case .object(let members):
            if members.isEmpty { fields.append(ContentField(path: path, value: "{}")) }
            for key in members.keys.sorted() {
                members[key]!.flattened(at: path + "." + key, into: &fields)
            }
        case .array(let elements):
            if elements.isEmpty { fields.append(ContentField(path: path, value: "[]")) }
            for (index, element) in elements.enumerated() {
                element.flattened(at: path + "[\(index)]", into: &fields)
            }
        default:
            fields.append(ContentField(path: path, value: scalarText))
        }
    }

    /// A scalar as JSON text: `"bob"`, `42`, `1.5`, `true`, `null`.
    var scalarText: String {
        switch self {
        case .string(let text): return ByteText.quoted(text)
        case .integer(let text): return text
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .object: return "{…}"
        case .array: return "[…]"
        }
    }
}
