/// How a protocol's responses hand out values and how its requests are rewritten to send other
/// ones back: the part of a `ProtocolDescriptor` that stateful replay uses.
///
/// Both are pure functions of bytes. `values` reads a whole response as the content decoder frames
/// it; `rewrite` reads a client write as a sequence of the protocol's messages, substitutes inside
/// the places a value can be (never inside framing), and writes each length that frames a message
/// again (Content-Length and chunk sizes, RESP bulk lengths, PostgreSQL message lengths). Bytes of a
/// message cut short at the end of the write are passed on unchanged.
package struct RequestCorrelation: Sendable {
    /// The values a response hands out, with their locators, in message order.
    package var values: @Sendable (_ response: [UInt8]) -> [HandedValue]
    /// The write with each substitution applied (`RequestRewrite.places` in the same order).
    package var rewrite: @Sendable (_ request: [UInt8], _ substitutions: [ValueSubstitution]) -> RequestRewrite

    /// A correlation from its parts.
    package init(
        values: @escaping @Sendable (_ response: [UInt8]) -> [HandedValue],
        rewrite: @escaping @Sendable (_ request: [UInt8], _ substitutions: [ValueSubstitution]) -> RequestRewrite
    ) {
        self.values = values
        self.rewrite = rewrite
    }
}
