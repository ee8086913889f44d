/// The type byte a RESP2 or RESP3 value starts with (the Redis serialization protocol
/// specification); `RESPType.array.rawValue` is `*`.
enum RESPType: UInt8, Sendable, Hashable {
    /// `+OK`.
    case simpleString = 0x2B
    /// `-ERR ...`.
    case simpleError = 0x2D
    /// `:5`.
    case integer = 0x3A
    /// `$3` then the bytes.
    case bulkString = 0x24
    /// `*N` then N values.
    case array = 0x2A
    /// RESP3 `_`.
    case null = 0x5F
    /// RESP3 `#t`.
    case boolean = 0x23
    /// RESP3 `,3.14`.
    case double = 0x2C
    /// RESP3 `(123...`.
    case bigNumber = 0x28
    /// RESP3 `!N` then the error text.
    case bulkError = 0x21
    /// RESP3 `=N` then `txt:` and the text.
    case verbatimString = 0x3D
    /// RESP3 `%N` then N keys and values.
    case map = 0x25
    /// RESP3 `|N`: attributes about the value that follows.
    case attribute = 0x7C
    /// RESP3 `~N`.
    case set = 0x7E
    /// RESP3 `>N`: out-of-band data (pub/sub messages).
    case push = 0x3E
}
