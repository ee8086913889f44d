import InterposeCapture
import InterposeCore

/// One fragment of an IPv4 or IPv6 datagram, as the decoder found it.
///
/// `payload` points into the packet being processed; `IPFragmentReassembler` copies it.
struct IPFragment {
    /// The datagram's sender.
    var source: IPAddress
    /// The datagram's receiver.
    var destination: IPAddress
    /// The IP identification (16 bits for IPv4, 32 for IPv6).
    var identification: UInt32
    /// The protocol of the reassembled payload (TCP is 6; for IPv6, the header after the fragment header).
    var nextProtocol: UInt8
    /// Where this fragment's bytes go in the reassembled payload.
    var offset: Int
    /// Whether more fragments follow (the last one has it clear).
    var moreFragments: Bool
    /// The fragment's bytes that were captured.
    var payload: UnsafeRawBufferPointer
    /// Whether the capture cut the fragment short (then the datagram cannot be rebuilt).
    var isCut: Bool
}
