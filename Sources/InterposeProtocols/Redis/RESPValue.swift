/// One RESP2 or RESP3 value, whole, read from bytes that are already in memory (a recorded or
/// replayed reply), for comparison and display.
///
/// Read by the dissector's `RESPReader` with `buildsValues` (`RESPReader.values(in:)`): the same
/// framing and checks as the dissector, with `RESPValueBuilder` keeping every element and bulk string.
indirect enum RESPValue: Equatable {
    /// `+OK`.
    case simple(String)
    /// `-ERR ...` or a RESP3 blob error `!`.
    case error(String)
    /// `:5`.
    case integer(String)
    /// `$3 abc`.
    case bulk([UInt8])
    /// `$-1`, `*-1` or RESP3 `_`.
    case null
    /// `*N`.
    case array([RESPValue])
    /// RESP3 `~N` (unordered).
    case set([RESPValue])
    /// RESP3 `>N` (out-of-band data, pub/sub messages).
    case push([RESPValue])
    /// RESP3 `%N`, keys and values in the order sent.
    case map([Pair])
    /// RESP3 `,3.14`.
    case double(String)
    /// RESP3 `#t`.
    case boolean(Bool)
    /// RESP3 `(123...`.
    case bigNumber(String)
    /// RESP3 `=N txt:...`: its format and text.
    case verbatim(format: String, [UInt8])

    /// A map entry.
    struct Pair: Equatable {
        var key: RESPValue
        var value: RESPValue
    }
}
