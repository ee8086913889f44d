/// 64-bit FNV-1a, to fingerprint requests (recognise the same request sent again) without keeping
/// them. Hand-written: eight lines, and no hashing library offers a stable, seedless 64-bit hash
/// (Swift's `Hasher` is seeded per process).
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
    }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add($0) }
        add(CollectionOfOne(0))
    }
}
