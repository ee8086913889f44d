import InterposeCapture
import InterposeCore

/// The mutable state of one pass over a capture: reassembly, fragments and counters.
struct ReadState {
    var statistics = CaptureReadStatistics()
    var reassembler: TCPReassembler
    var fragments = IPFragmentReassembler()

    init(settings: TCPReassembler.Settings) {
        reassembler = TCPReassembler(settings: settings)
    }

    /// Counts a packet read from the file.
    mutating func count(_ raw: RawPacket) {
        statistics.packets += 1
        statistics.capturedBytes += Int64(raw.bytes.count)
        if raw.bytes.count < raw.originalLength {
            statistics.snaplenCutPackets += 1
            statistics.snaplenMissingBytes += Int64(raw.originalLength - raw.bytes.count)
        }
        if let first = statistics.firstTimestamp {
            if raw.timestamp < first { statistics.firstTimestamp = raw.timestamp }
        } else {
            statistics.firstTimestamp = raw.timestamp
        }
        if let last = statistics.lastTimestamp {
            if raw.timestamp > last { statistics.lastTimestamp = raw.timestamp }
        } else {
            statistics.lastTimestamp = raw.timestamp
        }
    }

    /// Records that the file could not be read past `offset`.
    mutating func fail<Consumer: FrameConsumer>(message: String, offset: Int64?, packets: Int, consumer: inout Consumer)
    {
        statistics.isTruncated = true
        let place = offset.map { "at byte offset \($0)" } ?? "after packet \(packets)"
        consumer.report(
            Finding(
                code: .captureTruncated, frame: packets + 1,
                message:
                    "capture file is truncated or damaged \(place); the \(packets) packets before it were analysed",
                detail: "libpcap: \(message)"))
    }

    /// Ends the pass: closes every conversation and reports what concerns the whole file.
    mutating func finish<Consumer: FrameConsumer>(consumer: inout Consumer) -> CaptureReadStatistics {
        fragments.finish()
        reassembler.finish(into: &consumer)
        statistics.connections = reassembler.connectionCount
        statistics.reassembledDatagrams = fragments.rebuilt
        statistics.incompleteDatagrams = fragments.abandoned
        if statistics.snaplenCutPackets > 0 {
            consumer.report(
                Finding(
                    code: .captureSnaplen,
                    message:
                        "\(statistics.snaplenCutPackets) packets cut by the capture's snap length (\(statistics.snaplenMissingBytes) bytes not captured)",
                    detail: "payload lost this way appears as tcp.gap; capture with a larger snap length (tcpdump -s 0)"
                ))
        }
        if statistics.headerCutPackets > 0 || statistics.malformedPackets > 0 {
            consumer.report(
                Finding(
                    code: .captureUndecodable,
                    message:
                        "\(statistics.headerCutPackets + statistics.malformedPackets) packets could not be decoded",
                    detail:
                        "\(statistics.headerCutPackets) cut before the end of their headers, \(statistics.malformedPackets) with inconsistent headers"
                ))
        }
        if statistics.incompleteDatagrams > 0 {
            consumer.report(
                Finding(
                    code: .ipFragmentIncomplete,
                    message: "\(statistics.incompleteDatagrams) fragmented IP datagrams could not be rebuilt",
                    detail: "fragments missing, cut by the snap length, or inconsistent"))
        }
        for (linkType, count) in statistics.unsupportedLinkTypePackets.sorted(by: { $0.key.rawValue < $1.key.rawValue })
        {
            consumer.report(
                Finding(
                    code: .captureUnsupportedLinkType,
                    message: "\(count) packets on interfaces with link type \(linkType) were not decoded"))
        }
        return statistics
    }
}
