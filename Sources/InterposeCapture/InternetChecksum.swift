import InterposeCore

/// The Internet checksum (RFC 1071) used by IPv4 headers and TCP segments.
///
/// `partialSum` is the hot loop of the capture writer: it reads 32 bytes per iteration as four
/// unaligned `UInt64` words and adds their 32-bit halves into 64-bit accumulators, folding only at
/// the end. Sums are returned as the one's complement sum of big-endian 16-bit words, so that
/// partial sums of consecutive even-length pieces (pseudo-header, header, payload) just add up.
enum InternetChecksum {
    /// The folded one's complement sum of `count` bytes at `start`, read as big-endian 16-bit words.
    ///
    /// The bytes must begin at an even offset of the checksummed data; an odd final byte is padded with zero.
    @inline(__always)
    static func partialSum(_ start: UnsafeRawPointer, count: Int) -> UInt32 {
        var a0: UInt64 = 0
        var a1: UInt64 = 0
        var a2: UInt64 = 0
        var a3: UInt64 = 0
        var i = 0
        while i &+ 32 <= count {
            let w0 = start.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let w1 = start.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
            let w2 = start.loadUnaligned(fromByteOffset: i &+ 16, as: UInt64.self)
            let w3 = start.loadUnaligned(fromByteOffset: i &+ 24, as: UInt64.self)
            a0 &+= (w0 & 0xFFFF_FFFF) &+ (w0 >> 32)
            a1 &+= (w1 & 0xFFFF_FFFF) &+ (w1 >> 32)
            a2 &+= (w2 & 0xFFFF_FFFF) &+ (w2 >> 32)
            a3 &+= (w3 & 0xFFFF_FFFF) &+ (w3 >> 32)
            i &+= 32
        }
        while i &+ 8 <= count {
            let w = start.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            a0 &+= (w & 0xFFFF_FFFF) &+ (w >> 32)
            i &+= 8
        }
        if i < count {
            var tail: UInt64 = 0
            withUnsafeMutableBytes(of: &tail) { tailBytes in
                tailBytes.baseAddress!.copyMemory(from: start + i, byteCount: count &- i)
            }
            tail = UInt64(littleEndian: tail)
            #if _endian(big)
                tail = tail.byteSwapped
            #endif
            a0 &+= (tail & 0xFFFF_FFFF) &+ (tail >> 32)
        }
        var sum = (a0 & 0xFFFF_FFFF) &+ (a0 >> 32) &+ (a1 & 0xFFFF_FFFF) &+ (a1 >> 32)
        sum &+= (a2 & 0xFFFF_FFFF) &+ (a2 >> 32) &+ (a3 & 0xFFFF_FFFF) &+ (a3 >> 32)
        let native = fold(sum)
        // Summing native (little-endian) words gives the byte-swapped big-endian sum (RFC 1071, 2.B).
        return UInt32(UInt16(bigEndian: UInt16(truncatingIfNeeded: native)))
    }

    /// The folded one's complement sum of the bytes of `buffer`, as big-endian 16-bit words.
    static func partialSum(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = buffer.baseAddress else { return 0 }
        return partialSum(base, count: buffer.count)
    }

    /// The folded one's complement sum of `bytes`, as big-endian 16-bit words.
    static func partialSum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { partialSum($0) }
    }

    /// Folds a wide one's complement sum down to 16 bits.
    @inline(__always)
    static func fold(_ value: UInt64) -> UInt32 {
        var sum = value
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) &+ (sum >> 16)
        }
        return UInt32(sum)
    }

    /// The checksum field value from a sum of partial sums: the complement of the folded sum.
    @inline(__always)
    static func finish(_ sum: UInt64) -> UInt16 {
        ~UInt16(truncatingIfNeeded: fold(sum))
    }

    /// The one's complement sum of the TCP pseudo-header (RFC 793 for IPv4, RFC 8200 for IPv6).
    static func pseudoHeaderSum(source: IPAddress, destination: IPAddress, tcpLength: Int) -> UInt64 {
        @inline(__always) func addressSum(_ address: IPAddress) -> UInt64 {
            switch address.family {
            case .v4:
                return UInt64(address.v4Value >> 16) &+ UInt64(address.v4Value & 0xFFFF)
            case .v6:
                let h = address.high
                let l = address.low
                return (h >> 48) &+ ((h >> 32) & 0xFFFF) &+ ((h >> 16) & 0xFFFF) &+ (h & 0xFFFF)
                    &+ (l >> 48) &+ ((l >> 32) & 0xFFFF) &+ ((l >> 16) & 0xFFFF) &+ (l & 0xFFFF)
            }
        }
        let sum: UInt64 =
            6 &+ UInt64(tcpLength & 0xFFFF) &+ UInt64(tcpLength >> 16)
            &+ addressSum(source) &+ addressSum(destination)
        return sum
    }
}
