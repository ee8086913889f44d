import InterposeCapture
import InterposeCore

/// Decodes link-layer, IP and TCP headers straight from a captured packet's bytes.
///
/// Every read is bounds-checked against the captured length; nothing is copied and nothing is
/// allocated. A packet the capture cut short (snap length) still yields its TCP segment when the
/// headers are there, with `missingPayload` saying how much of the payload was not captured.
/// Ethernet padding after the IP datagram is never mistaken for payload.
enum PacketDecoder {
    /// How deep tunnels and tags may nest before a packet is called malformed.
    private static let maximumDepth = 4

    /// Decodes one packet.
    /// - Parameters:
    ///   - bytes: the captured bytes.
    ///   - originalLength: the packet's length on the wire (at least `bytes.count` for sane input).
    ///   - linkType: the link-layer header type.
    static func decode(_ bytes: UnsafeRawBufferPointer, originalLength: Int, linkType: LinkType) -> DecodeOutcome {
        let wire = max(originalLength, bytes.count)
        switch linkType.rawValue {
        case 1:
            guard bytes.count >= 14 else { return wire >= 14 ? .truncated : .malformed }
            return ethertype(load16(bytes, 12), bytes, at: 14, wire: wire, depth: 0)
        case 113:
            guard bytes.count >= 16 else { return wire >= 16 ? .truncated : .malformed }
            return ethertype(load16(bytes, 14), bytes, at: 16, wire: wire, depth: 0)
        case 276:
            guard bytes.count >= 20 else { return wire >= 20 ? .truncated : .malformed }
            return ethertype(load16(bytes, 0), bytes, at: 20, wire: wire, depth: 0)
        case 0, 108:
            guard bytes.count >= 4 else { return wire >= 4 ? .truncated : .malformed }
            let big = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
            let little = big.byteSwapped
            // BSD address families: AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24, 28 or 30.
            let family = linkType.rawValue == 108 ? big : (big <= 0xFFFF ? big : little)
            switch family {
            case 2: return ip(bytes, at: 4, wire: wire, version: 4, depth: 0)
            case 10, 24, 28, 30: return ip(bytes, at: 4, wire: wire, version: 6, depth: 0)
            default: return .notTCP
            }
        case 12, 14, 101:
            return ip(bytes, at: 0, wire: wire, version: nil, depth: 0)
        case 228:
            return ip(bytes, at: 0, wire: wire, version: 4, depth: 0)
        case 229:
            return ip(bytes, at: 0, wire: wire, version: 6, depth: 0)
        default:
            return .unsupportedLinkType
        }
    }

    /// Decodes the TCP segment of a reassembled IP datagram payload.
    static func decodeReassembled(
        _ payload: UnsafeRawBufferPointer, nextProtocol: UInt8, source: IPAddress, destination: IPAddress
    ) -> DecodeOutcome {
        transport(
            nextProtocol, payload, length: payload.count, source: source, destination: destination,
            isIPv6: source.family == .v6, depth: 1)
    }

    // MARK: - Link layer

    private static func ethertype(
        _ type: UInt16, _ bytes: UnsafeRawBufferPointer, at start: Int, wire: Int, depth: Int
    ) -> DecodeOutcome {
        var type = type
        var offset = start
        var tags = 0
        while true {
            switch type {
            case 0x0800:
                return ip(bytes, at: offset, wire: wire, version: 4, depth: depth)
            case 0x86DD:
                return ip(bytes, at: offset, wire: wire, version: 6, depth: depth)
            case 0x8100, 0x88A8, 0x9100, 0x9200:
                tags += 1
                guard tags <= maximumDepth else { return .malformed }
                guard offset + 4 <= bytes.count else { return wire >= offset + 4 ? .truncated : .malformed }
                type = load16(bytes, offset + 2)
                offset += 4
            case 0x8864:
                // PPPoE session: 6-byte header, then the PPP protocol number.
                guard offset + 8 <= bytes.count else { return wire >= offset + 8 ? .truncated : .malformed }
                switch load16(bytes, offset + 6) {
                case 0x0021: return ip(bytes, at: offset + 8, wire: wire, version: 4, depth: depth)
                case 0x0057: return ip(bytes, at: offset + 8, wire: wire, version: 6, depth: depth)
                default: return .notTCP
                }
            case 0x8847, 0x8848:
                // MPLS: labels until the bottom-of-stack bit, then IP told apart by its version.
                while true {
                    tags += 1
                    guard tags <= maximumDepth * 2 else { return .malformed }
                    guard offset + 4 <= bytes.count else { return wire >= offset + 4 ? .truncated : .malformed }
                    let bottom = bytes[offset + 2] & 1 == 1
                    offset += 4
                    if bottom { break }
                }
                return ip(bytes, at: offset, wire: wire, version: nil, depth: depth)
            case 0...1500:
                // 802.3 with LLC/SNAP carrying an Ethernet type.
                guard offset + 8 <= bytes.count, bytes[offset] == 0xAA, bytes[offset + 1] == 0xAA,
                    bytes[offset + 2] == 0x03
                else { return .notTCP }
                tags += 1
                guard tags <= maximumDepth else { return .malformed }
                type = load16(bytes, offset + 6)
                offset += 8
            default:
                return .notTCP
            }
        }
    }

    // MARK: - IP

    private static func ip(
        _ bytes: UnsafeRawBufferPointer, at offset: Int, wire: Int, version: Int?, depth: Int
    ) -> DecodeOutcome {
        guard depth <= maximumDepth else { return .malformed }
        guard offset < bytes.count else { return wire > offset ? .truncated : .malformed }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        let restWire = wire - offset
        let found = Int(rest[0] >> 4)
        if let version, version != found { return .malformed }
        switch found {
        case 4: return ipv4(rest, wire: restWire, depth: depth)
        case 6: return ipv6(rest, wire: restWire, depth: depth)
        default: return .malformed
        }
    }

    private static func ipv4(_ b: UnsafeRawBufferPointer, wire: Int, depth: Int) -> DecodeOutcome {
        guard b.count >= 20 else { return wire >= 20 ? .truncated : .malformed }
        let headerLength = Int(b[0] & 0x0F) * 4
        guard headerLength >= 20, headerLength <= wire else { return .malformed }
        guard headerLength <= b.count else { return .truncated }
        let totalLength = Int(load16(b, 2))
        let claimed: Int
        if totalLength == 0 {
            claimed = wire  // TCP segmentation offload: the length is left to the capture.
        } else {
            guard totalLength >= headerLength else { return .malformed }
            claimed = totalLength
        }
        // Padding after the datagram (short Ethernet frames) is not part of it.
        let end = min(claimed, wire)
        let source = IPAddress(v4: load32(b, 12))
        let destination = IPAddress(v4: load32(b, 16))
        let protocolNumber = b[9]
        let fragmentField = load16(b, 6)
        let moreFragments = fragmentField & 0x2000 != 0
        let fragmentOffset = Int(fragmentField & 0x1FFF) * 8
        let capturedEnd = min(end, b.count)
        if moreFragments || fragmentOffset != 0 {
            return .fragment(
                IPFragment(
                    source: source, destination: destination, identification: UInt32(load16(b, 4)),
                    nextProtocol: protocolNumber, offset: fragmentOffset, moreFragments: moreFragments,
                    payload: UnsafeRawBufferPointer(rebasing: b[headerLength..<capturedEnd]),
                    isCut: capturedEnd < end))
        }
        return transport(
            protocolNumber, UnsafeRawBufferPointer(rebasing: b[headerLength..<capturedEnd]),
            length: end - headerLength, source: source, destination: destination, isIPv6: false, depth: depth)
    }

    private static func ipv6(_ b: UnsafeRawBufferPointer, wire: Int, depth: Int) -> DecodeOutcome {
        guard b.count >= 40 else { return wire >= 40 ? .truncated : .malformed }
        let payloadLength = Int(load16(b, 4))
        // A zero payload length is a jumbogram (or offload): the capture says how long it is.
        let end = payloadLength == 0 ? wire : min(40 + payloadLength, wire)
        let source = IPAddress(v6High: load64(b, 8), low: load64(b, 16))
        let destination = IPAddress(v6High: load64(b, 24), low: load64(b, 32))
        let capturedEnd = min(end, b.count)
        return transport(
            b[6], UnsafeRawBufferPointer(rebasing: b[40..<capturedEnd]), length: end - 40, source: source,
            destination: destination, isIPv6: true, depth: depth)
    }

    /// Walks IPv6 extension headers (when `isIPv6`) to the transport header and decodes TCP or a tunnel.
    /// - Parameters:
    ///   - b: the captured bytes from the first header after the IP header.
    ///   - length: how many bytes the IP header says follow (at least `b.count` unless the capture cut them).
    private static func transport(
        _ next: UInt8, _ b: UnsafeRawBufferPointer, length: Int, source: IPAddress, destination: IPAddress,
        isIPv6: Bool, depth: Int
    ) -> DecodeOutcome {
        var next = next
        var offset = 0
        for _ in 0..<16 {
            switch next {
            case 6:
                guard offset <= b.count else { return .truncated }
                return tcp(
                    UnsafeRawBufferPointer(rebasing: b[offset...]), length: length - offset, source: source,
                    destination: destination)
            case 4, 41:
                guard offset <= b.count, offset < length else { return .malformed }
                return ip(
                    UnsafeRawBufferPointer(rebasing: b[offset...]), at: 0, wire: length - offset,
                    version: next == 4 ? 4 : 6, depth: depth + 1)
            case 0, 43, 60, 135, 139, 140, 253, 254, 51:
                guard isIPv6 else { return .notTCP }
                guard offset + 2 <= b.count else { return offset + 2 <= length ? .truncated : .malformed }
                let headerLength = next == 51 ? (Int(b[offset + 1]) + 2) * 4 : (Int(b[offset + 1]) + 1) * 8
                next = b[offset]
                offset += headerLength
                guard offset <= length else { return .malformed }
            case 44:
                guard isIPv6 else { return .notTCP }
                guard offset + 8 <= b.count else { return offset + 8 <= length ? .truncated : .malformed }
                let field = load16(b, offset + 2)
                let fragmentOffset = Int(field & 0xFFF8)
                let moreFragments = field & 1 == 1
                let inner = b[offset]
                let identification = load32(b, offset + 4)
                offset += 8
                if fragmentOffset == 0 && !moreFragments {
                    next = inner  // An atomic fragment: the whole datagram is here.
                    continue
                }
                let capturedEnd = min(length, b.count)
                guard offset <= capturedEnd else { return .malformed }
                return .fragment(
                    IPFragment(
                        source: source, destination: destination, identification: identification,
                        nextProtocol: inner, offset: fragmentOffset, moreFragments: moreFragments,
                        payload: UnsafeRawBufferPointer(rebasing: b[offset..<capturedEnd]),
                        isCut: capturedEnd < length))
            default:
                return .notTCP
            }
        }
        return .malformed
    }

    // MARK: - TCP

    private static func tcp(
        _ b: UnsafeRawBufferPointer, length: Int, source: IPAddress, destination: IPAddress
    ) -> DecodeOutcome {
        guard b.count >= 20 else { return length >= 20 ? .truncated : .malformed }
        let headerLength = Int(b[12] >> 4) * 4
        guard headerLength >= 20, headerLength <= length else { return .malformed }
        let sourcePort = load16(b, 0)
        let destinationPort = load16(b, 2)
        let payload: UnsafeRawBufferPointer
        if headerLength <= b.count {
            payload = UnsafeRawBufferPointer(rebasing: b[headerLength..<min(length, b.count)])
        } else {
            payload = UnsafeRawBufferPointer(rebasing: b[b.count..<b.count])
        }
        let missing = length - headerLength - payload.count
        return .tcp(
            TCPSegment(
                source: Endpoint(address: source, port: sourcePort),
                destination: Endpoint(address: destination, port: destinationPort),
                sequence: load32(b, 4), acknowledgment: load32(b, 8), flags: TCPFlags(rawValue: b[13] & 0x3F),
                payload: payload, missingPayload: max(0, missing)))
    }

    // MARK: - Loads (callers check bounds)

    @inline(__always)
    private static func load16(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(b[offset]) << 8 | UInt16(b[offset + 1])
    }

    @inline(__always)
    private static func load32(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bigEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    private static func load64(_ b: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(bigEndian: b.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
