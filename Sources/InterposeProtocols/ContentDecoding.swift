/// How a protocol's message bytes read as comparable fields and as text for people: what replay and
/// `interpose diff` compare, and what their reports show.
///
/// A member left `nil` means the protocol's bytes are not decoded that way: without `fields` a
/// response is compared by its status and body fingerprint (HTTP/2, TLS), without `text` it is shown
/// as escaped bytes. A decoder returns `nil` for bytes that do not read as its protocol; the caller
/// then falls back to `RawContent`.
package struct ContentDecoding: Sendable {
    /// The fields of a response, in message order; `nil` when the bytes are not this protocol's.
    package var fields: (@Sendable (_ bytes: [UInt8]) -> [ContentField]?)?
    /// A message as text; `isRequest` lets a protocol write a request differently (a Redis command
    /// as a command line); `nil` when the bytes are not this protocol's.
    package var text: (@Sendable (_ bytes: [UInt8], _ isRequest: Bool) -> String?)?

    /// A decoder from its parts.
    package init(
        fields: (@Sendable (_ bytes: [UInt8]) -> [ContentField]?)?,
        text: (@Sendable (_ bytes: [UInt8], _ isRequest: Bool) -> String?)?
    ) {
        self.fields = fields
        self.text = text
    }

    /// Bytes that are not decoded at all (HTTP/2 frames, TLS records).
    package static let opaque = ContentDecoding(fields: nil, text: nil)

    /// Bytes as one `bytes` field and as escaped text (`raw`, and the protocols recognised as raw).
    package static let raw = ContentDecoding(fields: { RawContent.fields($0) }, text: nil)
}
