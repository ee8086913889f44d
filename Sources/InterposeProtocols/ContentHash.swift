/// A streaming 64-bit hash of message content, eight bytes at a time, that gives the same value
/// however the bytes are split between calls (reads, chunks, TCP segments).
///
/// Hand-written: it runs over every response body byte of every conversation (`interpose diff`
/// compares bodies by it), where byte-at-a-time FNV-1a cost a fifth of the HTTP dissection time,
/// and no hashing library offers a seedless, streaming, split-independent 64-bit hash (Swift's
/// `Hasher` is seeded per process; swift-crypto's SHA-256 is far slower than needed and pulls in
/// BoringSSL). Not cryptographic: it tells changed content from unchanged, nothing more.
public struct ContentHash: Sendable {
    private var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    private var carry: UInt64 = 0
    private var carryCount = 0
    private var length: UInt64 = 0

    /// An empty hash.
    public init() {}

    /// Adds bytes.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var index = 0
        while carryCount > 0, index < bytes.count {
            take(bytes[index])
            index += 1
        }
        while index + 8 <= bytes.count {
            mix(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            index += 8
        }
        while index < bytes.count {
            take(bytes[index])
            index += 1
        }
    }

    /// The hash of everything added, and of its length.
    public var value: UInt64 {
        var copy = self
        if copy.carryCount > 0 { copy.mix(copy.carry ^ UInt64(copy.carryCount) << 56) }
        copy.mix(copy.length)
        return copy.state
    }

    private mutating func take(_ byte: UInt8) {
        carry |= UInt64(byte) << (8 * UInt64(carryCount))
        carryCount += 1
        if carryCount == 8 {
            mix(carry)
            carry = 0
            carryCount = 0
        }
    }

    private mutating func mix(_ word: UInt64) {
        state ^= word
        state = state &* 0xFF51_AFD7_ED55_8CCD
        state ^= state >> 33
    }
}
