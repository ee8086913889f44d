/// A bounds-checked reader over bytes already in memory (a TLS handshake message, a certificate,
/// the kept prefix of an MQTT packet): every read returns `nil` instead of trapping when the bytes
/// run out, so a parser fed any byte sequence can only fail, never crash.
struct ByteReader {
    private let bytes: [UInt8]
    /// The offset of the next byte to read.
    private(set) var offset: Int
    /// The offset just past the last byte this reader may read.
    let limit: Int

    /// A reader over `bytes[start..<end]` (the whole array by default).
    init(_ bytes: [UInt8], start: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.limit = Swift.max(0, Swift.min(end ?? bytes.count, bytes.count))
        self.offset = Swift.max(0, Swift.min(start, self.limit))
    }

    /// Bytes left.
    var remaining: Int { limit - offset }

    /// Whether nothing is left.
    var isAtEnd: Bool { offset >= limit }

    mutating func readUInt8() -> UInt8? {
        guard offset < limit else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A big-endian unsigned integer of `width` bytes (1 to 4).
    mutating func readInteger(width: Int) -> Int? {
        guard width >= 1, width <= 4, remaining >= width else { return nil }
        var value = 0
        for index in offset..<offset + width { value = value << 8 | Int(bytes[index]) }
        offset += width
        return value
    }

    mutating func readUInt16() -> Int? { readInteger(width: 2) }

    /// An MQTT variable byte integer (1 to 4 bytes, 7 bits each, least significant first).
    mutating func readVarint() -> Int? {
        var value = 0
        for shift in stride(from: 0, to: 28, by: 7) {
            guard let byte = readUInt8() else { return nil }
            value |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A reader over the next `count` bytes, which this reader skips.
    mutating func readReader(_ count: Int) -> ByteReader? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return ByteReader(bytes, start: offset, end: offset + count)
    }

    /// A reader over the bytes behind a big-endian length prefix of `width` bytes.
    mutating func readPrefixed(width: Int) -> ByteReader? {
        guard let count = readInteger(width: width) else { return nil }
        return readReader(count)
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, remaining >= count else { return false }
        offset += count
        return true
    }

    /// The bytes not read yet, as an array (the reader does not move).
    var rest: [UInt8] { Array(bytes[offset..<limit]) }

    /// The rest of the bytes, as an array.
    mutating func readRest() -> [UInt8] {
        readBytes(remaining) ?? []
    }

    /// The bytes as text for a summary: printable ASCII kept, anything else shown as `.`, cut to
    /// `limit` characters.
    static func printable(_ bytes: [UInt8], limit: Int = 64) -> String {
        let cut = bytes.prefix(limit)
        let text = String(decoding: cut.map { $0 >= 32 && $0 < 127 ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
        return bytes.count > limit ? text + "..." : text
    }
}
