/// Reads the fields of a PostgreSQL message body (the kept prefix of it): big-endian integers
/// and NUL-terminated strings. Every read returns `nil` past the end instead of trapping, so a short
/// or hostile body yields fewer fields, never a crash.
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
}
