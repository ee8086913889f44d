import InterposeCapture
import InterposeCore

/// Counts of what the reader saw in a capture file, whatever it made of it.
public struct CaptureReadStatistics: Sendable, Hashable {
    /// Packets read from the file.
    public var packets = 0
    /// Bytes captured (the records' captured lengths).
    public var capturedBytes: Int64 = 0
    /// Packets the `--filter` expression left out.
    public var filteredOut = 0
    /// TCP segments decoded (including those rebuilt from IP fragments).
    public var tcpPackets = 0
    /// Packets that are not TCP over IP (ARP, UDP, ICMP...).
    public var otherPackets = 0
    /// Packets shorter on file than on the wire (cut by the snap length).
    public var snaplenCutPackets = 0
    /// Bytes those packets lost to the snap length.
    public var snaplenMissingBytes: Int64 = 0
    /// Packets cut by the snap length before the end of their IP or TCP headers (not decodable).
    public var headerCutPackets = 0
    /// Packets whose headers contradict themselves.
    public var malformedPackets = 0
    /// IP fragments seen.
    public var fragments = 0
    /// Datagrams rebuilt from fragments.
    public var reassembledDatagrams = 0
    /// Fragmented datagrams that could not be rebuilt.
    public var incompleteDatagrams = 0
    /// Packets on interfaces whose link type is not decoded, by link type.
    public var unsupportedLinkTypePackets: [LinkType: Int] = [:]
    /// TCP conversations found.
    public var connections = 0
    /// The earliest packet timestamp.
    public var firstTimestamp: Timestamp?
    /// The latest packet timestamp.
    public var lastTimestamp: Timestamp?
    /// Whether the file ended in the middle of a record (or was otherwise damaged part-way).
    public var isTruncated = false
    /// Whether libpcap refused part of a pcapng file and Interpose's own parser read it.
    public var usedPcapngFallback = false

    /// All zero.
    public init() {}
}
