import Foundation
import SwiftProtobuf

/// The protobuf messages, enums and gRPC methods of a FileDescriptorSet (what
/// `protoc --include_imports -o FILE` writes), parsed with SwiftProtobuf, reduced to what naming
/// gRPC message fields needs: which message a method takes and returns, and each message's fields by
/// number (name, type, whether repeated).
///
/// ```swift
/// let schema = try ProtobufSchema(contentsOf: "users.pb")
/// schema.method("/demo.Users/Get")?.output  // ".demo.User"
/// ```
public struct ProtobufSchema: Sendable {
    /// A field's type as the descriptor names it (`FieldDescriptorProto.Type`).
    enum FieldType: Sendable, Hashable {
        case double, float, int64, uint64, int32, fixed64, fixed32, bool, string, group, message, bytes, uint32
        case enumeration, sfixed32, sfixed64, sint32, sint64
    }

    /// One field of a message type.
    struct Field: Sendable, Hashable {
        /// Its name in the `.proto` file.
        var name: String
        /// Its type.
        var type: FieldType
        /// Whether it is `repeated` (or a map).
        var repeated: Bool
        /// The fully qualified message or enum type (`.demo.User`) for message, group and enum fields.
        var typeName: String
    }

    /// A message type.
    struct MessageType: Sendable, Hashable {
        /// Its fields by number.
        var fields: [Int: Field]
        /// Whether it is the entry type protoc makes for a `map<K, V>` field (key 1, value 2).
        var isMapEntry: Bool
    }

    /// A gRPC method: the message types it takes and returns.
    struct Method: Sendable, Hashable {
        /// The request message type (`.demo.GetRequest`).
        var input: String
        /// The response message type (`.demo.User`).
        var output: String
    }

    /// Message types by fully qualified name with a leading dot (`.demo.User`).
    private(set) var messages: [String: MessageType] = [:]
    /// Enum value names by enum type and number.
    private(set) var enums: [String: [Int32: String]] = [:]
    /// Methods by their HTTP/2 path (`/demo.Users/Get`).
    private(set) var methods: [String: Method] = [:]

    /// Reads a FileDescriptorSet file.
    /// - Throws: `ProtobufSchemaError` when the file cannot be read or is not a FileDescriptorSet.
    public init(contentsOf path: String) throws(ProtobufSchemaError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ProtobufSchemaError(
                path: path, problem: "cannot be read (\((error as NSError).localizedDescription))")
        }
        try self.init(serialized: [UInt8](data), path: path)
    }

    /// Parses the bytes of a FileDescriptorSet; `path` names them in errors.
    /// - Throws: `ProtobufSchemaError` when they are not a FileDescriptorSet with at least one file.
    public init(serialized bytes: [UInt8], path: String) throws(ProtobufSchemaError) {
        let set: Google_Protobuf_FileDescriptorSet
        do {
            set = try Google_Protobuf_FileDescriptorSet(serializedBytes: bytes)
        } catch {
            throw ProtobufSchemaError(path: path, problem: "is not a FileDescriptorSet (\(error))")
        }
        guard !set.file.isEmpty, set.file.allSatisfy({ !$0.name.isEmpty }) else {
            throw ProtobufSchemaError(path: path, problem: "is not a FileDescriptorSet: it describes no .proto file")
        }
        for file in set.file {
            let scope = file.package.isEmpty ? "" : "." + file.package
            for message in file.messageType { add(message, in: scope) }
            for type in file.enumType { add(type, in: scope) }
            for service in file.service {
                let serviceName = (file.package.isEmpty ? "" : file.package + ".") + service.name
                for method in service.method {
                    methods["/\(serviceName)/\(method.name)"] = Method(
                        input: method.inputType, output: method.outputType)
                }
            }
        }
    }

    /// The method served at an HTTP/2 path (`/demo.Users/Get`); `nil` when the descriptors lack it.
    func method(_ path: String) -> Method? {
        methods[path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path]
    }

    /// How many methods the descriptors define, for people.
    public var methodCount: Int { methods.count }

    private mutating func add(_ message: Google_Protobuf_DescriptorProto, in scope: String) {
        let name = scope + "." + message.name
        var fields: [Int: Field] = [:]
        for field in message.field {
            fields[Int(field.number)] = Field(
                name: field.name, type: ProtobufSchema.fieldType(field.type), repeated: field.label == .repeated,
                typeName: field.typeName)
        }
        messages[name] = MessageType(fields: fields, isMapEntry: message.options.mapEntry)
        for nested in message.nestedType { add(nested, in: name) }
        for type in message.enumType { add(type, in: name) }
    }

    private mutating func add(_ type: Google_Protobuf_EnumDescriptorProto, in scope: String) {
        var names: [Int32: String] = [:]
        for value in type.value where names[value.number] == nil { names[value.number] = value.name }
        enums[scope + "." + type.name] = names
    }

    private static func fieldType(_ type: Google_Protobuf_FieldDescriptorProto.TypeEnum) -> FieldType {
        switch type {
        case .double: return .double
        case .float: return .float
        case .int64: return .int64
        case .uint64: return .uint64
        case .int32: return .int32
        case .fixed64: return .fixed64
        case .fixed32: return .fixed32
        case .bool: return .bool
        case .string: return .string
        case .group: return .group
        case .message: return .message
        case .bytes: return .bytes
        case .uint32: return .uint32
        case .enum: return .enumeration
        case .sfixed32: return .sfixed32
        case .sfixed64: return .sfixed64
        case .sint32: return .sint32
        case .sint64: return .sint64
        }
    }
}
