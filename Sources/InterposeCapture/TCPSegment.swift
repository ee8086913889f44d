import InterposeCore

/// One synthesized TCP segment, less its payload: everything the packet encoder needs to build
/// the Ethernet, IP and TCP headers of an Enhanced Packet Block.
struct TCPSegment: Hashable, Sendable {
    /// The pcapng interface (0 client leg, 1 upstream leg).
    var interfaceID: UInt32
    /// The sender.
    var source: Endpoint
    /// The receiver.
    var destination: Endpoint
    /// The last byte of the sender's made-up MAC address (`02:00:00:00:00:xx`).
    var sourceMAC: UInt8
    /// The last byte of the receiver's made-up MAC address.
    var destinationMAC: UInt8
    /// The IPv4 identification field (ignored for IPv6).
    var ipID: UInt16
    /// The sequence number.
    var sequenceNumber: UInt32
    /// The acknowledgement number (meaningful with `.ack`).
    var acknowledgementNumber: UInt32
    /// The flags.
    var flags: TCPFlags
    /// The window field (scaled by `TCPLeg.windowScale` after the handshake).
    var window: UInt16
    /// Whether the segment carries the MSS and window scale options (SYN and SYN-ACK).
    var handshakeOptions: Bool

    /// Whether the IP layer is IPv6.
    var isIPv6: Bool { source.address.family == .v6 }

    /// The largest payload one segment may carry: IPv4 total length and IPv6 payload length are 16-bit.
    static func maximumPayload(ipv6: Bool) -> Int {
        ipv6 ? 65_535 - 20 : 65_535 - 20 - 20
    }
}
