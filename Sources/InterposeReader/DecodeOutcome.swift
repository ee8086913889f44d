/// What `PacketDecoder` found in one captured packet.
enum DecodeOutcome {
    /// A TCP segment.
    case tcp(TCPSegment)
    /// A piece of a fragmented IP datagram, to hand to `IPFragmentReassembler`.
    case fragment(IPFragment)
    /// Something other than TCP over IP (ARP, UDP, ICMP, a loopback-protocol frame).
    case notTCP
    /// The snap length cut the packet before the end of its IP or TCP header.
    case truncated
    /// Headers that contradict themselves (bad version, lengths that do not fit).
    case malformed
    /// A link type the decoder does not know.
    case unsupportedLinkType
}
