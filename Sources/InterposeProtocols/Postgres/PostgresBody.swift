/// Reads the fields of a PostgreSQL message body (the kept prefix of it): big-endian integers
/// and NUL-terminated strings. Every read returns `nil` past the end instead of trapping, so a short
/// or hostile body yields fewer fields, never a crash. The dissector and `PostgresContent` both read
/// bodies with it.
struct PostgresBody {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether everything was read.
    var isAtEnd: Bool { offset >= bytes.count }

    /// The next byte.
    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// The next big-endian 32-bit integer.
    mutating func int32() -> Int32? {
        guard bytes.count - offset >= 4 else { return nil }
        var value: UInt32 = 0
        for byte in bytes[offset..<offset + 4] { value = value << 8 | UInt32(byte) }
        offset += 4
        return Int32(bitPattern: value)
    }

    /// The next NUL-terminated string (UTF-8, invalid sequences replaced); the rest of the bytes
    /// when the NUL was cut off with the prefix (`complete` then says so).
    mutating func cString() -> (text: String, complete: Bool)? {
        guard offset < bytes.count else { return nil }
        let end = bytes[offset...].firstIndex(of: 0) ?? bytes.count
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        offset = min(end + 1, bytes.count + 1)
        return (text, end < bytes.count)
    }

    /// The next NUL-terminated string, or `nil` at the end.
    mutating func string() -> String? {
        cString()?.text
    }

    /// The next big-endian 16-bit integer.
    mutating func int16() -> Int16? {
        guard bytes.count - offset >= 2 else { return nil }
        defer { offset += 2 }
        return Int16(bitPattern: UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1]))
    }

    /// An Int16 count, 0 when missing or negative.
    mutating func count16() -> Int { max(0, Int(int16() ?? 0)) }

    /// The next `count` bytes; `nil` (and nothing read) when fewer are left.
    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// Skips `count` bytes; `false` (and nothing skipped) when fewer are left.
    mutating func skip(_ count: Int) -> Bool { take(count) != nil }

    /// The next NUL-terminated string; `nil` (and nothing read) when no NUL follows.
    mutating func terminatedString() -> String? {
        guard offset <= bytes.count, let end = bytes[offset...].firstIndex(of: 0) else { return nil }
        defer { offset = end + 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }
}
