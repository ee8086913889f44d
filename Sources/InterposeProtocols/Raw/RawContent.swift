/// Bytes of a protocol without fields (and of messages that do not decode) as one `bytes` field:
/// escaped text up to 4 KiB, else a prefix, the length and an FNV-1a hash.
package enum RawContent {
    /// `bytes`.
    package static func fields(_ bytes: [UInt8]) -> [ContentField] {
        [ContentField(path: "bytes", value: ByteText.value(bytes))]
    }

    /// The bytes as escaped text (`\x00`, `\n`).
    package static func text(_ bytes: [UInt8]) -> String {
        ByteText.escaped(bytes)
    }
}
