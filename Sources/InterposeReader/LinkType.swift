import CPcap

/// A capture's link-layer header type (libpcap's DLT value, or pcapng's LINKTYPE value).
///
/// The two numbering schemes agree for everything the reader decodes except raw IP, which is
/// `DLT_RAW` (12, or 14 on some BSDs) from libpcap and `LINKTYPE_RAW` (101) in a pcapng file.
public struct LinkType: Hashable, Sendable, CustomStringConvertible {
    /// The number.
    public var rawValue: Int32

    /// A link type from its number.
    public init(_ rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// BSD loopback: a 4-byte address family in the writer's byte order.
    public static let null = LinkType(0)
    /// Ethernet II (and 802.3 with SNAP), possibly with 802.1Q/QinQ tags.
    public static let ethernet = LinkType(1)
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    public static let loop = LinkType(108)
    /// Linux cooked capture v1.
    public static let linuxSLL = LinkType(113)
    /// Linux cooked capture v2.
    public static let linuxSLL2 = LinkType(276)
    /// Raw IPv4 or IPv6 (libpcap's DLT_RAW on Linux).
    public static let raw = LinkType(12)
    /// Raw IP as DLT_RAW on OpenBSD.
    public static let rawBSD = LinkType(14)
    /// Raw IP as pcapng's LINKTYPE_RAW.
    public static let linktypeRaw = LinkType(101)
    /// Raw IPv4 only.
    public static let ipv4 = LinkType(228)
    /// Raw IPv6 only.
    public static let ipv6 = LinkType(229)

    /// Whether the reader can find IP packets behind this link type.
    public var isSupported: Bool {
        switch rawValue {
        case 0, 1, 12, 14, 101, 108, 113, 228, 229, 276: return true
        default: return false
        }
    }

    /// libpcap's name for it (`EN10MB`, `LINUX_SLL2`) and the number.
    public var description: String {
        if let name = pcap_datalink_val_to_name(rawValue) {
            return "\(String(cString: name)) (\(rawValue))"
        }
        return "\(rawValue)"
    }
}
