/// What the user told Interpose about the schemas of message content, for decoders that can use
/// one: today the protobuf descriptors of gRPC services (`--proto-descriptor FILE`), which give
/// gRPC message fields their names and types. Without one every decoder reads the bytes by
/// themselves (gRPC messages by field number, as `protoc --decode_raw` does).
public struct ContentSchema: Sendable {
    /// The protobuf messages and gRPC methods known; `nil` when none were given.
    public var protobuf: ProtobufSchema?

    /// A schema from its parts.
    public init(protobuf: ProtobufSchema? = nil) {
        self.protobuf = protobuf
    }

    /// No schema: content is read by itself.
    public static let none = ContentSchema()
}
