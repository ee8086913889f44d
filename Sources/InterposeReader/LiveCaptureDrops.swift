/// What a live capture lost: libpcap's counters (`pcap_stats`) and the packets Interpose received
/// but could not read.
public struct LiveCaptureDrops: Sendable, Hashable {
    /// `ps_recv`: packets the kernel passed to the capture (after the filter). On `lo` each packet
    /// is counted twice (libpcap discards the outgoing copy), so it is twice the packets read.
    public var received: UInt64 = 0
    /// `ps_drop`: packets dropped because the capture buffer was full (Interpose did not keep up).
    public var dropped: UInt64 = 0
    /// `ps_ifdrop`: packets the interface or its driver dropped.
    public var interfaceDropped: UInt64 = 0
    /// Packets Interpose received but could not decode (cut headers, inconsistent headers,
    /// unsupported link type).
    public var undecodable: Int = 0

    /// All zero.
    public init() {}

    /// One line for reports and the capture file's comment.
    public var summary: String {
        "libpcap received \(received), dropped \(dropped) (buffer full), interface dropped \(interfaceDropped); "
            + "Interpose could not decode \(undecodable)"
    }
}
