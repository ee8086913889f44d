/// A deterministic pseudo-random byte stream (xorshift64*), so a sender and a receiver can agree
/// on megabytes of payload without storing it, and the receiver can check every byte.
public struct PatternStream: Sendable {
    private var state: UInt64
    private var word: UInt64 = 0
    private var wordBytesLeft = 0

    /// The stream for a seed; equal seeds give equal streams.
    public init(seed: UInt64) {
        self.state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
    }

    /// The next byte.
    @inline(__always)
    public mutating func next() -> UInt8 {
        if wordBytesLeft == 0 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            word = state &* 0x2545_F491_4F6C_DD1D
            wordBytesLeft = 8
        }
        let b = UInt8(truncatingIfNeeded: word)
        word >>= 8
        wordBytesLeft -= 1
        return b
    }

    /// The next `count` bytes.
    public mutating func next(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { buf in
            for i in 0..<count { buf[i] = next() }
        }
        return out
    }

    /// Checks that `bytes` are the stream's next bytes, consuming them.
    /// - Returns: the offset of the first byte that differs, or `nil` when all match.
    public mutating func verify<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        var i = 0
        for b in bytes {
            if b != next() { return i }
            i += 1
        }
        return nil
    }
}
