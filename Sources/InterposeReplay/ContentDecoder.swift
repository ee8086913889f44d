import InterposeProtocols

/// Turns the bytes of a recorded or replayed message into comparable fields (`ContentField`) and
/// into text for people, per application protocol.
public enum ContentDecoder {
    /// The fields of a response, in message order: HTTP/1 status, headers and body (JSON flattened
    /// by path), Redis reply elements, PostgreSQL columns, rows and tags, MQTT packet fields, raw
    /// bytes. `nil` when this protocol's bytes cannot be decoded into fields (HTTP/2 and TLS): the
    /// caller then compares the status code and the body fingerprint. Bytes that do not decode as
    /// their protocol become one `bytes` field.
    public static func fields(ofResponse bytes: [UInt8], application: ApplicationProtocol) -> [ContentField]? {
        guard !bytes.isEmpty else { return application == .http2 || application == .tls ? nil : [] }
        switch application {
        case .http2, .tls: return nil
        case .http1: return HTTP1Content.fields(bytes) ?? RawContent.fields(bytes)
        case .redis: return RedisContent.fields(bytes) ?? RawContent.fields(bytes)
        case .postgres: return PostgresContent.fields(bytes) ?? RawContent.fields(bytes)
        case .mqtt: return MQTTContent.fields(bytes) ?? RawContent.fields(bytes)
        case .raw: return RawContent.fields(bytes)
        }
    }

    /// A message (request or response) as text for people: the HTTP head and body text, a Redis
    /// reply as redis-cli prints it, PostgreSQL query text or columns and rows, MQTT packets one per
    /// line, anything else as escaped text (`\x00`). At most `limit` characters, followed by
    /// `… (N bytes)` when cut.
    public static func text(of bytes: [UInt8], application: ApplicationProtocol, limit: Int = 4096) -> String {
        text(of: bytes, application: application, limit: limit, isRequest: false)
    }

    /// A request as text for people, like `text(of:application:limit:)` except that a Redis command
    /// reads as a command line (`HSET user:1 name bob`) rather than as an array.
    public static func text(ofRequest bytes: [UInt8], application: ApplicationProtocol, limit: Int = 4096) -> String {
        text(of: bytes, application: application, limit: limit, isRequest: true)
    }

    private static func text(of bytes: [UInt8], application: ApplicationProtocol, limit: Int, isRequest: Bool) -> String
    {
        let decoded: String?
        switch application {
        case .http1: decoded = HTTP1Content.text(bytes)
        case .redis: decoded = RedisContent.text(bytes, isRequest: isRequest)
        case .postgres: decoded = PostgresContent.text(bytes)
        case .mqtt: decoded = MQTTContent.text(bytes)
        case .http2, .tls, .raw: decoded = nil
        }
        return ByteText.cut(decoded ?? RawContent.text(bytes), limit: limit, totalBytes: bytes.count)
    }

    /// Fields whose path repeats joined into the first one's place, values separated by `, ` (as
    /// repeated HTTP headers are), so that every path names one field.
    static func joiningRepeats(_ fields: [ContentField]) -> [ContentField] {
        var result: [ContentField] = []
        var seen: [String: Int] = [:]
        for field in fields {
            if let at = seen[field.path] {
                result[at].value += ", " + field.value
            } else {
                seen[field.path] = result.count
                result.append(field)
            }
        }
        return result
    }
}
