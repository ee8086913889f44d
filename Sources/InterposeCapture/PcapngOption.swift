import InterposeCore

/// One option of a pcapng block: its code and raw value, with typed views of the value.
public struct PcapngOption: Sendable, Hashable {
    /// The option code (`Pcapng.optionComment` and friends; meanings depend on the block type).
    public var code: UInt16
    /// The value bytes, without padding.
    public var value: [UInt8]
    /// Whether the section that holds the block is big-endian (for the numeric views).
    public var isBigEndian: Bool

    /// An option from its parts.
    public init(code: UInt16, value: [UInt8], isBigEndian: Bool = false) {
        self.code = code
        self.value = value
        self.isBigEndian = isBigEndian
    }

    /// The value as UTF-8 text (invalid sequences repaired).
    public var stringValue: String { String(decoding: value, as: UTF8.self) }

    /// The value as an 8-bit integer, when it is 1 byte long.
    public var uint8Value: UInt8? { value.count == 1 ? value[0] : nil }

    /// The value as a 32-bit integer in the section's byte order, when it is 4 bytes long.
    public var uint32Value: UInt32? {
        guard value.count == 4 else { return nil }
        return PcapngOption.integer(value[0..<4], bigEndian: isBigEndian)
    }

    /// The value as a 64-bit integer in the section's byte order, when it is 8 bytes long.
    public var uint64Value: UInt64? {
        guard value.count == 8 else { return nil }
        return PcapngOption.integer(value[0..<8], bigEndian: isBigEndian)
    }

    /// The value as a pcapng timestamp (high 32 bits, then low 32 bits), when it is 8 bytes long.
    public var timestampValue: UInt64? {
        guard value.count == 8 else { return nil }
        let high: UInt32 = PcapngOption.integer(value[0..<4], bigEndian: isBigEndian)
        let low: UInt32 = PcapngOption.integer(value[4..<8], bigEndian: isBigEndian)
        return UInt64(high) << 32 | UInt64(low)
    }

    static func integer<T: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, bigEndian: Bool) -> T {
        var result: T = 0
        if bigEndian {
            for byte in bytes { result = result << 8 | T(byte) }
        } else {
            for byte in bytes.reversed() { result = result << 8 | T(byte) }
        }
        return result
    }
}
