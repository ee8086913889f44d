/// How a protocol's message bytes read as comparable fields and as text for people: what replay and
/// `interpose diff` compare, and what their reports show.
///
/// A member left `nil` means the protocol's bytes are not decoded that way: without `fields` a
/// response is compared by its status and body fingerprint (TLS), without `text` it is shown as
/// escaped bytes. A decoder returns `nil` for bytes that do not read as its protocol; the caller
/// then falls back to `RawContent`. Decoders that can use a schema (gRPC's protobuf descriptors)
/// get the user's `ContentSchema`; the others ignore it.
package struct ContentDecoding: Sendable {
    /// The fields of a response, in message order; `nil` when the bytes are not this protocol's.
    package var fields: (@Sendable (_ bytes: [UInt8], _ schema: ContentSchema) -> [ContentField]?)?
    /// A message as text; `isRequest` lets a protocol write a request differently (a Redis command
    /// as a command line); `nil` when the bytes are not this protocol's.
    package var text: (@Sendable (_ bytes: [UInt8], _ isRequest: Bool, _ schema: ContentSchema) -> String?)?

    /// A decoder that needs no schema, from its parts.
    package init(
        fields: (@Sendable (_ bytes: [UInt8]) -> [ContentField]?)?,
        text: (@Sendable (_ bytes: [UInt8], _ isRequest: Bool) -> String?)?
    ) {
        if let fields {
            self.fields = { bytes, _ in fields(bytes) }
        } else {
            self.fields = nil
        }
        if let text {
            self.text = { bytes, isRequest, _ in text(bytes, isRequest) }
        } else {
            self.text = nil
        }
    }

    /// A decoder that reads the user's schema where it has one, from its parts.
    package init(
        schemaFields: @escaping @Sendable (_ bytes: [UInt8], _ schema: ContentSchema) -> [ContentField]?,
        schemaText: @escaping @Sendable (_ bytes: [UInt8], _ isRequest: Bool, _ schema: ContentSchema) -> String?
    ) {
        self.fields = schemaFields
        self.text = schemaText
    }

    /// Bytes that are not decoded at all (TLS records).
    package static let opaque = ContentDecoding(fields: nil, text: nil)

    /// Bytes as one `bytes` field and as escaped text (`raw`, and the protocols recognised as raw).
    package static let raw = ContentDecoding(fields: { RawContent.fields($0) }, text: nil)
}
