import InterposeCapture
import InterposeCore

extension ReadState {
    /// Decodes one packet that passed the filter and feeds its TCP segment (or the datagram its
    /// fragments rebuild) to reassembly: the step shared by file reading and live capture.
    /// - Parameters:
    ///   - raw: the packet, already counted.
    ///   - number: its number in the capture (1-based), for findings.
    ///   - consumer: receives the frames.
    mutating func decode<Consumer: FrameConsumer>(_ raw: RawPacket, number: Int, consumer: inout Consumer) {
        switch PacketDecoder.decode(raw.bytes, originalLength: raw.originalLength, linkType: raw.linkType) {
        case .tcp(let segment):
            statistics.tcpPackets += 1
            reassembler.process(segment, timestamp: raw.timestamp, packet: number, into: &consumer)
        case .fragment(let fragment):
            statistics.fragments += 1
            guard let datagram = fragments.add(fragment, at: raw.timestamp) else { return }
            datagram.payload.withUnsafeBytes { payload in
                let outcome = PacketDecoder.decodeReassembled(
                    payload, nextProtocol: datagram.key.nextProtocol, source: datagram.key.source,
                    destination: datagram.key.destination)
                if case .tcp(let segment) = outcome {
                    statistics.tcpPackets += 1
                    reassembler.process(segment, timestamp: raw.timestamp, packet: number, into: &consumer)
                } else {
                    statistics.otherPackets += 1
                }
            }
        case .notTCP:
            statistics.otherPackets += 1
        case .truncated:
            statistics.headerCutPackets += 1
        case .malformed:
            statistics.malformedPackets += 1
        case .unsupportedLinkType:
            statistics.unsupportedLinkTypePackets[raw.linkType, default: 0] += 1
        }
    }
}
