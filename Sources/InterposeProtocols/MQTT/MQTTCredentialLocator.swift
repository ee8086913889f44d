import InterposeCore

/// Finds the password of a client's MQTT CONNECT (3.1, 3.1.1 and 5), see `CredentialLocator`.
///
/// The password is CONNECT's last field, placed by every field before it, so the locator keeps the
/// client's first packet (CONNECT, at most `connectLimit` bytes) until it is complete and then
/// marks the password's bytes (its 2-byte length stays). When the packet arrived in several reads,
/// the part of the password in earlier reads may already be recorded (see `CredentialRedactor`).
/// The packets after CONNECT carry no password; a larger CONNECT, or a first packet that is not
/// one, is left as it is.
public struct MQTTCredentialLocator: CredentialLocator {
    /// The largest CONNECT kept to find its password.
    public static let connectLimit = 65_536

    private var kept: [UInt8] = []
    private var done = false

    /// A locator at the start of a conversation.
    public init() {}

    /// Reads the next bytes of `direction` and appends where CONNECT's password is.
    public mutating func locate(
        _ bytes: UnsafeRawBufferPointer, direction: Direction, into spans: inout [CredentialSpan]
    ) {
        guard direction == .clientToServer, !done else { return }
        kept.append(contentsOf: bytes.prefix(Self.connectLimit + 5 - kept.count))
        guard let (headerLength, length) = Self.fixedHeader(kept) else {
            if kept.count >= 5 { finish() }
            return
        }
        guard kept.first.map({ $0 >> 4 == 1 }) == true, headerLength + length <= Self.connectLimit else {
            return finish()
        }
        guard kept.count >= headerLength + length else { return }
        if let password = Self.passwordRange(connect: Array(kept.prefix(headerLength + length))) {
            spans.append(
                CredentialSpan(
                    offsets: Int64(password.lowerBound)..<Int64(password.upperBound), rule: "mqtt CONNECT password"))
        }
        finish()
    }

    private mutating func finish() {
        done = true
        kept = []
    }

    /// The fixed header's length and the remaining length, once the bytes hold them.
    private static func fixedHeader(_ bytes: [UInt8]) -> (Int, Int)? {
        var length = 0
        var multiplier = 1
        for index in 1..<min(bytes.count, 5) {
            length += Int(bytes[index] & 0x7F) * multiplier
            if bytes[index] & 0x80 == 0 { return (index + 1, length) }
            multiplier *= 128
        }
        return nil
    }

    /// Where the password's bytes are in a whole CONNECT packet (fixed header included); `nil` when
    /// it has none or does not read as a CONNECT.
    public static func passwordRange(connect bytes: [UInt8]) -> Range<Int>? {
        guard let (headerLength, _) = fixedHeader(bytes) else { return nil }
        var reader = Reader(bytes: bytes, index: headerLength)
        guard reader.skipString(), let level = reader.byte(), let flags = reader.byte(), reader.skip(2) else {
            return nil
        }
        guard flags & 0x40 != 0 else { return nil }
        if level == 5 { guard reader.skipProperties() else { return nil } }
        guard reader.skipString() else { return nil }
        if flags & 0x04 != 0 {
            if level == 5 { guard reader.skipProperties() else { return nil } }
            guard reader.skipString(), reader.skipString() else { return nil }
        }
        if flags & 0x80 != 0 { guard reader.skipString() else { return nil } }
        guard let length = reader.length(), reader.index + length <= bytes.count else { return nil }
        return reader.index..<(reader.index + length)
    }

    private struct Reader {
        let bytes: [UInt8]
        var index: Int

        mutating func byte() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func skip(_ count: Int) -> Bool {
            guard index + count <= bytes.count else { return false }
            index += count
            return true
        }

        mutating func length() -> Int? {
            guard let high = byte(), let low = byte() else { return nil }
            return Int(high) << 8 | Int(low)
        }

        mutating func skipString() -> Bool {
            guard let length = length() else { return false }
            return skip(length)
        }

        mutating func skipProperties() -> Bool {
            var length = 0
            var multiplier = 1
            for _ in 0..<4 {
                guard let byte = byte() else { return false }
                length += Int(byte & 0x7F) * multiplier
                if byte & 0x80 == 0 { return skip(length) }
                multiplier *= 128
            }
            return false
        }
    }
}
