/// The container format of a capture file, as its magic number says.
public enum CaptureFormat: Sendable, Hashable, CustomStringConvertible {
    /// Classic pcap with microsecond (or, when `nanosecond`, nanosecond) timestamps.
    case pcap(nanosecond: Bool, bigEndian: Bool)
    /// pcapng.
    case pcapng

    /// Recognises the first four bytes of a file; `nil` when they are neither pcap nor pcapng.
    public init?(magic: [UInt8]) {
        guard magic.count >= 4 else { return nil }
        switch (magic[0], magic[1], magic[2], magic[3]) {
        case (0xD4, 0xC3, 0xB2, 0xA1): self = .pcap(nanosecond: false, bigEndian: false)
        case (0xA1, 0xB2, 0xC3, 0xD4): self = .pcap(nanosecond: false, bigEndian: true)
        case (0x4D, 0x3C, 0xB2, 0xA1): self = .pcap(nanosecond: true, bigEndian: false)
        case (0xA1, 0xB2, 0x3C, 0x4D): self = .pcap(nanosecond: true, bigEndian: true)
        // Kuznetzov's modified pcap, which libpcap also reads.
        case (0x34, 0xCD, 0xB2, 0xA1): self = .pcap(nanosecond: false, bigEndian: false)
        case (0xA1, 0xB2, 0xCD, 0x34): self = .pcap(nanosecond: false, bigEndian: true)
        case (0x0A, 0x0D, 0x0D, 0x0A): self = .pcapng
        default: return nil
        }
    }

    /// `pcap`, `pcap (nanosecond, big-endian)`, `pcapng`.
    public var description: String {
        switch self {
        case .pcap(let nanosecond, let bigEndian):
            var traits: [String] = []
            if nanosecond { traits.append("nanosecond") }
            if bigEndian { traits.append("big-endian") }
            return traits.isEmpty ? "pcap" : "pcap (\(traits.joined(separator: ", ")))"
        case .pcapng:
            return "pcapng"
        }
    }
}
