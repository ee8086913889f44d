import InterposeProtocols

/// Turns the bytes of a recorded or replayed message into comparable fields (`ContentField`) and
/// into text for people, with the content decoder of the protocol's descriptor
/// (`ProtocolRegistry.standard`).
public enum ContentDecoder {
    /// The fields of a response, in message order: HTTP/1 and HTTP/2 status, headers and body (JSON
    /// flattened by path), gRPC status and messages by protobuf field (named by `schema` when it
    /// has the method), Redis reply elements, PostgreSQL columns, rows and tags, MQTT packet fields,
    /// raw bytes. `nil` when this protocol's bytes cannot be decoded into fields (TLS): the caller
    /// then compares the status code and the body fingerprint. Bytes that do not decode as their
    /// protocol become one `bytes` field.
    public static func fields(
        ofResponse bytes: [UInt8], application: ApplicationProtocol, schema: ContentSchema = .none
    ) -> [ContentField]? {
        guard let decode = ProtocolRegistry.standard.descriptor(for: application).content.fields else { return nil }
        guard !bytes.isEmpty else { return [] }
        return decode(bytes, schema) ?? RawContent.fields(bytes)
    }

    /// A message (request or response) as text for people: the HTTP head and body text, a Redis
    /// reply as redis-cli prints it, PostgreSQL query text or columns and rows, MQTT packets one per
    /// line, anything else as escaped text (`\x00`). At most `limit` characters, followed by
    /// `… (N bytes)` when cut.
    public static func text(
        of bytes: [UInt8], application: ApplicationProtocol, limit: Int = 4096, schema: ContentSchema = .none
    ) -> String {
        text(of: bytes, application: application, limit: limit, isRequest: false, schema: schema)
    }

    /// A request as text for people, like `text(of:application:limit:)` except that a Redis command
    /// reads as a command line (`HSET user:1 name bob`) rather than as an array.
    public static func text(
        ofRequest bytes: [UInt8], application: ApplicationProtocol, limit: Int = 4096, schema: ContentSchema = .none
    ) -> String {
        text(of: bytes, application: application, limit: limit, isRequest: true, schema: schema)
    }

    private static func text(
        of bytes: [UInt8], application: ApplicationProtocol, limit: Int, isRequest: Bool, schema: ContentSchema
    ) -> String {
        let decoded = ProtocolRegistry.standard.descriptor(for: application).content.text?(bytes, isRequest, schema)
        return ByteText.cut(decoded ?? RawContent.text(bytes), limit: limit, totalBytes: bytes.count)
    }
}
