/// Protobuf messages as comparable fields and as text: by field number and wire type without a
/// schema (`grpc:1.3[0].2`, as `protoc --decode_raw` shows them), by field name and type with one
/// (`grpc:$.user.plan`).
///
/// Without a schema a field number seen more than once in a message is indexed (`3[0]`, `3[1]`); a
/// length-delimited value is a nested message when all of it parses as one, else a string, as
/// protoc guesses. With a schema every repeated field is indexed, maps are keyed
/// (`$.labels["region"]`), enums are named, packed arrays unpacked, and what the schema does not
/// know (an unknown field number, a wire type that does not fit the type) is read by number as
/// without one.
enum ProtobufContent {
    /// The fields of one message under `prefix` (`grpc:`, `grpc[1]:`), read as message `type`
    /// (`.demo.User`) of `schema` when both are given and the schema has it, else by number; `nil`
    /// when the bytes are not a protobuf message.
    static func fields(_ bytes: [UInt8], prefix: String, schema: ProtobufSchema?, type: String?) -> [ContentField]? {
        guard let wire = ProtobufWireField.read(bytes[...]) else { return nil }
        var writer = Writer(schema: schema, text: false)
        if let schema, let type, let message = schema.messages[type] {
            writer.named(wire, message, path: prefix + "$", depth: 0)
            if writer.lines.isEmpty { writer.lines.append(ContentField(path: prefix + "$", value: "{}")) }
        } else {
            writer.numbered(wire, path: prefix, depth: 0)
            if writer.lines.isEmpty { writer.lines.append(ContentField(path: prefix, value: "{}")) }
        }
        return writer.lines
    }

    /// One message as text, a field a line and nested messages in braces, as protoc's text format
    /// writes it (`1: 42`, `user {`); bytes that are not a message, escaped.
    static func text(_ bytes: [UInt8], schema: ProtobufSchema?, type: String?) -> String {
        guard let wire = ProtobufWireField.read(bytes[...]) else { return ByteText.escaped(bytes) }
        var writer = Writer(schema: schema, text: true)
        if let schema, let type, let message = schema.messages[type] {
            writer.named(wire, message, path: "", depth: 0)
        } else {
            writer.numbered(wire, path: "", depth: 0)
        }
        return writer.lines.map { $0.path + $0.value }.joined(separator: "\n")
    }

    /// What a field's value is once its schema type is known.
    private enum Element {
        /// A value written as text (`42`, `"bob"`, `PRO`, `true`).
        case scalar(String)
        /// A nested message of a type.
        case message([ProtobufWireField], type: String)
        /// A map entry (of entry type `type`): its key as text and all its fields.
        case entry(key: String, fields: [ProtobufWireField], type: String)
        /// A value whose wire type does not fit the schema: read by number.
        case raw(ProtobufWireField.Value)
    }

    /// Collects fields, or text lines (`path` the indentation and name, `value` the rest).
    private struct Writer {
        let schema: ProtobufSchema?
        let text: Bool
        var lines: [ContentField] = []

        // MARK: By number

        mutating func numbered(_ wire: [ProtobufWireField], path: String, depth: Int) {
            var counts: [Int: Int] = [:]
            for field in wire { counts[field.number, default: 0] += 1 }
            var seen: [Int: Int] = [:]
            for field in wire {
                let occurrence = seen[field.number, default: 0]
                seen[field.number] = occurrence + 1
                let name = counts[field.number]! > 1 && !text ? "\(field.number)[\(occurrence)]" : "\(field.number)"
                numbered(field.value, at: place(path, name, depth), depth: depth)
            }
        }

        mutating func numbered(_ value: ProtobufWireField.Value, at here: String, depth: Int) {
            switch value {
            case .group(let inner):
                nest(here, depth: depth, empty: inner.isEmpty) { $0.numbered(inner, path: here, depth: depth + 1) }
            case .lengthDelimited(let bytes):
                if let inner = ProtobufWireField.nested(bytes, depth: depth) {
                    nest(here, depth: depth, empty: false) { $0.numbered(inner, path: here, depth: depth + 1) }
                } else {
                    add(here, ProtobufContent.quoted(bytes))
                }
            case .varint(let value): add(here, String(value))
            case .fixed64(let value): add(here, "0x" + ProtobufContent.hex(value, digits: 16))
            case .fixed32(let value): add(here, "0x" + ProtobufContent.hex(UInt64(value), digits: 8))
            }
        }

        // MARK: By name

        mutating func named(
            _ wire: [ProtobufWireField], _ message: ProtobufSchema.MessageType, path: String, depth: Int
        ) {
            var unknownCounts: [Int: Int] = [:]
            for field in wire where message.fields[field.number] == nil { unknownCounts[field.number, default: 0] += 1 }
            // Per field number, the elements seen so far (a packed array adds several).
            var indexes: [Int: Int] = [:]
            for field in wire {
                guard let known = message.fields[field.number], let schema else {
                    let index = indexes[field.number, default: 0]
                    indexes[field.number] = index + 1
                    let repeats = unknownCounts[field.number, default: 0] > 1 && !text
                    let name = repeats ? "\(field.number)[\(index)]" : "\(field.number)"
                    numbered(field.value, at: place(path, name, depth), depth: depth)
                    continue
                }
                for element in ProtobufContent.elements(field.value, as: known, schema: schema, depth: depth) {
                    let index = indexes[field.number, default: 0]
                    indexes[field.number] = index + 1
                    let isMap: Bool
                    if case .entry = element { isMap = true } else { isMap = false }
                    let name = known.repeated && !isMap && !text ? known.name + "[\(index)]" : known.name
                    write(element, at: place(path, name, depth), depth: depth)
                }
            }
        }

        mutating func write(_ element: Element, at here: String, depth: Int) {
            switch element {
            case .scalar(let value):
                add(here, value)
            case .raw(let value):
                numbered(value, at: here, depth: depth)
            case .message(let inner, let type):
                nestNamed(inner, type: type, at: here, depth: depth)
            case .entry(let key, let inner, let type):
                if text {
                    nestNamed(inner, type: type, at: here, depth: depth)
                } else {
                    nestNamed(inner.filter { $0.number != 1 }, type: type, at: here + "[\(key)]", depth: depth)
                }
            }
        }

        /// A nested message of `type`, or by number when the schema lacks the type.
        mutating func nestNamed(_ inner: [ProtobufWireField], type: String, at here: String, depth: Int) {
            nest(here, depth: depth, empty: inner.isEmpty) { writer in
                if let message = writer.schema?.messages[type] {
                    writer.named(inner, message, path: here, depth: depth + 1)
                } else {
                    writer.numbered(inner, path: here, depth: depth + 1)
                }
            }
        }

        // MARK: Lines

        /// Where a field named `name` goes: `path.name` (`grpc:` + `name` at the top), or in text
        /// mode the name indented.
        func place(_ path: String, _ name: String, _ depth: Int) -> String {
            if text { return String(repeating: "  ", count: depth) + name }
            return path.hasSuffix(":") ? path + name : path + "." + name
        }

        mutating func add(_ here: String, _ value: String) {
            lines.append(ContentField(path: here, value: text ? ": " + value : value))
        }

        mutating func nest(_ here: String, depth: Int, empty: Bool, body: (inout Writer) -> Void) {
            if text {
                lines.append(ContentField(path: here, value: " {"))
                body(&self)
                lines.append(ContentField(path: String(repeating: "  ", count: depth), value: "}"))
            } else if empty {
                lines.append(ContentField(path: here, value: "{}"))
            } else {
                body(&self)
            }
        }
    }

    // MARK: - Values by type

    /// The elements a wire value holds for a field of the schema: one, or several for a packed
    /// array; `.raw` when the wire type does not fit.
    private static func elements(
        _ value: ProtobufWireField.Value, as field: ProtobufSchema.Field, schema: ProtobufSchema, depth: Int
    ) -> [Element] {
        switch (field.type, value) {
        case (.string, .lengthDelimited(let bytes)), (.bytes, .lengthDelimited(let bytes)):
            return [.scalar(quoted(bytes))]
        case (.message, .lengthDelimited(let bytes)):
            guard depth < ProtobufWireField.depthLimit, let inner = ProtobufWireField.read(bytes[...], depth: depth + 1)
            else { return [.raw(value)] }
            if schema.messages[field.typeName]?.isMapEntry == true {
                return [entry(inner, field: field, schema: schema)]
            }
            return [.message(inner, type: field.typeName)]
        case (.group, .group(let inner)):
            return [.message(inner, type: field.typeName)]
        case (_, .lengthDelimited(let bytes)) where field.repeated:
            // A packed array of scalars.
            guard let packed = unpacked(bytes, as: field, schema: schema) else { return [.raw(value)] }
            return packed.map { .scalar($0) }
        default:
            return [scalar(value, as: field, schema: schema).map { .scalar($0) } ?? .raw(value)]
        }
    }

    /// A map entry: its key (field 1) as text, and its fields.
    private static func entry(_ inner: [ProtobufWireField], field: ProtobufSchema.Field, schema: ProtobufSchema)
        -> Element
    {
        let entryType = schema.messages[field.typeName]
        let keyField = entryType?.fields[1]
        let key = inner.last { $0.number == 1 }.flatMap { wire in
            keyField.flatMap { scalar(wire.value, as: $0, schema: schema) }
        }
        return .entry(key: key ?? "\"\"", fields: inner, type: field.typeName)
    }

    /// A single scalar of the field's type as text; `nil` when the wire type does not fit.
    private static func scalar(_ value: ProtobufWireField.Value, as field: ProtobufSchema.Field, schema: ProtobufSchema)
        -> String?
    {
        switch (field.type, value) {
        case (.double, .fixed64(let bits)): return number(Double(bitPattern: bits))
        case (.float, .fixed32(let bits)): return number(Double(Float(bitPattern: bits)))
        case (.int64, .varint(let raw)): return String(Int64(bitPattern: raw))
        case (.int32, .varint(let raw)): return String(Int32(truncatingIfNeeded: Int64(bitPattern: raw)))
        case (.uint64, .varint(let raw)): return String(raw)
        case (.uint32, .varint(let raw)): return String(UInt32(truncatingIfNeeded: raw))
        case (.sint64, .varint(let raw)): return String(zigzag(raw))
        case (.sint32, .varint(let raw)): return String(Int32(truncatingIfNeeded: zigzag(raw)))
        case (.fixed64, .fixed64(let raw)): return String(raw)
        case (.fixed32, .fixed32(let raw)): return String(raw)
        case (.sfixed64, .fixed64(let raw)): return String(Int64(bitPattern: raw))
        case (.sfixed32, .fixed32(let raw)): return String(Int32(bitPattern: raw))
        case (.bool, .varint(let raw)): return raw != 0 ? "true" : "false"
        case (.enumeration, .varint(let raw)):
            let number = Int32(truncatingIfNeeded: Int64(bitPattern: raw))
            return schema.enums[field.typeName]?[number] ?? String(number)
        case (.string, .lengthDelimited(let bytes)), (.bytes, .lengthDelimited(let bytes)):
            return quoted(bytes)
        default:
            return nil
        }
    }

    /// The elements of a packed array of the field's scalar type; `nil` when the bytes do not divide
    /// into them (or the type cannot be packed).
    private static func unpacked(_ bytes: [UInt8], as field: ProtobufSchema.Field, schema: ProtobufSchema) -> [String]?
    {
        var elements: [String] = []
        var index = 0
        let single = ProtobufSchema.Field(name: field.name, type: field.type, repeated: false, typeName: field.typeName)
        while index < bytes.count {
            let value: ProtobufWireField.Value
            switch field.type {
            case .double, .fixed64, .sfixed64:
                guard bytes.count - index >= 8 else { return nil }
                value = .fixed64(bytes[index..<index + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) })
                index += 8
            case .float, .fixed32, .sfixed32:
                guard bytes.count - index >= 4 else { return nil }
                value = .fixed32(bytes[index..<index + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) })
                index += 4
            case .int64, .uint64, .int32, .uint32, .sint32, .sint64, .bool, .enumeration:
                var raw: UInt64 = 0
                var shift: UInt64 = 0
                while true {
                    guard index < bytes.count, shift < 64 else { return nil }
                    raw |= UInt64(bytes[index] & 0x7F) << shift
                    index += 1
                    if bytes[index - 1] & 0x80 == 0 { break }
                    shift += 7
                }
                value = .varint(raw)
            default:
                return nil
            }
            guard let text = scalar(value, as: single, schema: schema) else { return nil }
            elements.append(text)
        }
        return elements
    }

    // MARK: - Text of values

    /// Bytes in double quotes, escaped where not printable; over `ByteText.inlineLimit`, a quoted
    /// prefix with the length and hash so that a change anywhere still changes the value.
    static func quoted(_ bytes: [UInt8]) -> String {
        guard bytes.count > ByteText.inlineLimit else { return ByteText.quoted(bytes) }
        return ByteText.quoted(bytes.prefix(ByteText.prefixCharacters))
            + "… (\(bytes.count) bytes, fnv1a 0x\(ByteText.hex64(ByteText.fnv1a(bytes))))"
    }

    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    private static func zigzag(_ raw: UInt64) -> Int64 {
        Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
