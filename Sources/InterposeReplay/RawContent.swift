/// Bytes of a protocol without fields (and of messages that do not decode) as one `bytes` field:
/// escaped text up to 4 KiB, else a prefix, the length and an FNV-1a hash.
enum RawContent {
    /// `bytes`.
    static func fields(_ bytes: [UInt8]) -> [ContentField] {
        [ContentField(path: "bytes", value: ByteText.value(bytes))]
    }

    /// The bytes as escaped text (`\x00`, `\n`).
    static func text(_ bytes: [UInt8]) -> String {
        ByteText.escaped(bytes)
    }
}
