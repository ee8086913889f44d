import CPcap

/// A BPF filter expression compiled by libpcap for one link type, matched against packets.
///
/// The reader matches each packet itself (`pcap_offline_filter`) instead of installing the filter
/// in libpcap, so packet numbers in findings stay the packet's number in the file.
final class BPFFilter {
    private var program = bpf_program()

    /// Compiles `expression` for `linkType`.
    /// - Throws: the compiler's message, when the expression is invalid for the link type.
    init(expression: String, linkType: LinkType, snapshotLength: Int) throws(BPFFilterError) {
        guard let dead = pcap_open_dead(linkType.rawValue, Int32(clamping: max(snapshotLength, 65_535))) else {
            throw BPFFilterError(message: "libpcap cannot compile filters for link type \(linkType)")
        }
        defer { pcap_close(dead) }
        guard pcap_compile(dead, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw BPFFilterError(message: String(cString: pcap_geterr(dead)))
        }
    }

    deinit {
        pcap_freecode(&program)
    }

    /// Whether the packet passes the filter.
    func matches(_ bytes: UnsafeRawBufferPointer, originalLength: Int) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var header = pcap_pkthdr()
        header.caplen = UInt32(bytes.count)
        header.len = UInt32(clamping: originalLength)
        return pcap_offline_filter(&program, &header, base.assumingMemoryBound(to: UInt8.self)) != 0
    }
}

/// libpcap's reason for rejecting a filter expression.
struct BPFFilterError: Error {
    /// The compiler's message.
    var message: String
}
