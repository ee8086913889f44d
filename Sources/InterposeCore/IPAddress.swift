/// An IPv4 or IPv6 address held by value, cheap to hash and compare.
///
/// The capture writer puts these into synthesized IP headers and the reader takes them out of
/// real ones; both ends of the pipeline name endpoints with the same type.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address family.
    public enum Family: UInt8, Sendable {
        case v4
        case v6
    }

    /// The family of this address.
    public let family: Family
    /// The first 8 bytes of an IPv6 address (network order, big-endian value); 0 for IPv4.
    public let high: UInt64
    /// The last 8 bytes of an IPv6 address, or the IPv4 address in the low 32 bits (big-endian value).
    public let low: UInt64

    /// An IPv4 address from its 32-bit value in host order (`0x7F000001` is 127.0.0.1).
    public init(v4 value: UInt32) {
        self.family = .v4
        self.high = 0
        self.low = UInt64(value)
    }

    /// An IPv6 address from its two 64-bit halves in host order.
    public init(v6High high: UInt64, low: UInt64) {
        self.family = .v6
        self.high = high
        self.low = low
    }

    /// An address from its network-order bytes: 4 for IPv4, 16 for IPv6; `nil` for any other count.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        switch bytes.count {
        case 4:
            var v: UInt32 = 0
            for b in bytes { v = v << 8 | UInt32(b) }
            self.init(v4: v)
        case 16:
            var h: UInt64 = 0
            var l: UInt64 = 0
            for (i, b) in bytes.enumerated() {
                if i < 8 { h = h << 8 | UInt64(b) } else { l = l << 8 | UInt64(b) }
            }
            self.init(v6High: h, low: l)
        default:
            return nil
        }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (without brackets); `nil` when it is neither.
    public init?(_ text: Substring) {
        if let v4 = IPAddress.parseV4(text) {
            self.init(v4: v4)
        } else if let v6 = IPAddress.parseV6(text) {
            self.init(bytes: v6)
        } else {
            return nil
        }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (without brackets); `nil` when it is neither.
    public init?(_ text: String) {
        self.init(Substring(text))
    }

    /// The IPv4 value in host order; meaningful only for `.v4`.
    public var v4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    /// The address in network byte order: 4 or 16 bytes.
    public var bytes: [UInt8] {
        switch family {
        case .v4:
            let v = v4Value
            return [
                UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8),
                UInt8(truncatingIfNeeded: v),
            ]
        case .v6:
            var out = [UInt8](repeating: 0, count: 16)
            for i in 0..<8 {
                out[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
                out[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
            }
            return out
        }
    }

    /// Dotted quad for IPv4; RFC 5952 text (lower case, longest zero run compressed) for IPv6.
    public var description: String {
        switch family {
        case .v4:
            let b = bytes
            return "\(b[0]).\(b[1]).\(b[2]).\(b[3])"
        case .v6:
            let b = bytes
            var groups = [UInt16]()
            for i in stride(from: 0, to: 16, by: 2) { groups.append(UInt16(b[i]) << 8 | UInt16(b[i + 1])) }
            // Find the longest run of zero groups (length >= 2) to compress.
            var bestStart = -1
            var bestLen = 0
            var i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8 && groups[j] == 0 { j += 1 }
                    if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                    i = j
                } else {
                    i += 1
                }
            }
            func hex(_ r: Range<Int>) -> String { r.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
            if bestStart < 0 { return hex(0..<8) }
            // IPv4-mapped addresses keep their dotted tail, as Wireshark and inet_ntop print them.
            if bestStart == 0 && bestLen == 5 && groups[5] == 0xFFFF {
                return "::ffff:\(b[12]).\(b[13]).\(b[14]).\(b[15])"
            }
            return hex(0..<bestStart) + "::" + hex((bestStart + bestLen)..<8)
        }
    }

    private static func parseV4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt32(p), n <= 255
            else { return nil }
            v = v << 8 | n
        }
        return v
    }

    /// Splits on every "::" (Foundation-free `components(separatedBy:)`).
    private static func splitOnDoubleColon(_ s: String) -> [String] {
        var parts = [String]()
        var current = ""
        var previousWasColon = false
        for ch in s {
            if ch == ":" && previousWasColon {
                current.removeLast()
                parts.append(current)
                current = ""
                previousWasColon = false
                continue
            }
            current.append(ch)
            previousWasColon = ch == ":"
        }
        parts.append(current)
        return parts
    }

    private static func parseV6(_ text: Substring) -> [UInt8]? {
        guard text.contains(":"), !text.isEmpty else { return nil }
        // Drop a zone index ("fe80::1%eth0"): it names an interface, not part of the address.
        let text = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let halves = IPAddress.splitOnDoubleColon(String(text))
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out = [UInt16]()
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() {
                if i == parts.count - 1, p.contains("."), let v4 = parseV4(p) {
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xFFFF))
                } else {
                    guard !p.isEmpty, p.count <= 4, let g = UInt16(p, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all: [UInt16]
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard head.count == 8 else { return nil }
            all = head
        }
        var out = [UInt8]()
        out.reserveCapacity(16)
        for g in all { out.append(UInt8(g >> 8)); out.append(UInt8(g & 0xFF)) }
        return out
    }
}
