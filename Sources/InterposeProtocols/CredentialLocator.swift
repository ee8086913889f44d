import InterposeCore

/// Finds the credentials a protocol itself marks (an HTTP `Authorization` value, a Redis `AUTH`
/// argument, a PostgreSQL password message) in one conversation's bytes, so the capture can record
/// filler in their place (docs/DESIGN.md, "Files and permissions").
///
/// A locator is a value type with no I/O, fed each direction's bytes in order, like a `Dissector`:
/// it keeps only a few bytes of state whatever the peers send, so it costs O(1) per byte, and
/// steps over what cannot hold a credential (bodies, other commands' arguments) without looking at
/// each byte. It reports
/// where the secret bytes are as offsets into the stream of their direction; a secret a locator can
/// only place once it has seen more (an MQTT password, the last field of CONNECT) may start before
/// the bytes just fed, and the part that was fed earlier is then reported as already recorded.
///
/// ```swift
/// var locator = HTTP1CredentialLocator()
/// var spans: [CredentialSpan] = []
/// Array("GET / HTTP/1.1\r\nCookie: a=b\r\n\r\n".utf8).withUnsafeBytes {
///     locator.locate($0, direction: .clientToServer, into: &spans)
/// }
/// // spans == [CredentialSpan(offsets: 24..<27, rule: "http Cookie header")]
/// ```
public protocol CredentialLocator {
    /// Reads the next bytes of `direction` and appends where the secrets among them (or just before
    /// them) are.
    mutating func locate(_ bytes: UnsafeRawBufferPointer, direction: Direction, into spans: inout [CredentialSpan])
}
