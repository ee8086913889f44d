import Foundation

/// tshark's view of every TCP conversation in a file, reduced to what the reader must agree on:
/// the two endpoints and the unique payload bytes each way.
///
/// tshark's `conv,tcp` byte counts are frame bytes, and summing `tcp.len` counts every
/// retransmitted copy, so neither is the stream's size. Unique bytes are computed here from
/// tshark's own decoding: per `tcp.stream` and direction, the union of the sequence ranges
/// `[tcp.seq, tcp.seq + tcp.len)` of the segments it decoded (a SYN's payload starts at seq + 1).
/// Two kinds of segment are left out because their bytes are not stream data: RST payload
/// (diagnostic text, RFC 9293 3.5.3) and the one garbage byte of a keep-alive probe, which
/// tshark itself flags as `tcp.analysis.keep_alive`.
public enum TSharkPayloadBytes {
    /// One conversation: endpoints as `IP:PORT` / `[IPv6]:PORT`, ordered so `a` < `b`, and the
    /// unique payload bytes each way.
    public struct Conversation: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var a: String
        public var b: String
        public var aToB: Int64
        public var bToA: Int64

        /// A conversation from either orientation, stored with the lower endpoint first.
        public init(_ x: String, _ y: String, _ xToY: Int64, _ yToX: Int64) {
            if x <= y {
                (a, b, aToB, bToA) = (x, y, xToY, yToX)
            } else {
                (a, b, aToB, bToA) = (y, x, yToX, xToY)
            }
        }

        public static func < (l: Conversation, r: Conversation) -> Bool {
            (l.a, l.b, l.aToB, l.bToA) < (r.a, r.b, r.aToB, r.bToA)
        }

        public var description: String { "\(a) <-> \(b): \(aToB) / \(bToA) bytes" }
    }

    /// The conversations tshark finds in `file`, one per `tcp.stream`.
    public static func conversations(file: String) throws -> [Conversation] {
        let rows = try TShark.fields(
            file: file, filter: "tcp && !tcp.analysis.keep_alive",
            fields: [
                "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
                "tcp.seq_raw", "tcp.len", "tcp.flags.syn", "tcp.flags.reset",
            ])
        struct Direction {
            var base: UInt32
            var ranges: [(Int64, Int64)] = []
        }
        struct Stream {
            var source: String
            var destination: String
            var directions: [String: Direction] = [:]
        }
        var streams: [Int: Stream] = [:]
        var order: [Int] = []
        // Tunnels and ICMP quotes give several values per field: the innermost (last) is the TCP one.
        func last(_ cell: String) -> String { String(cell.split(separator: ",").last ?? "") }
        func endpoint(_ address: String, _ port: String) -> String {
            address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        }
        for row in rows where row.count >= 11 {
            guard let stream = Int(last(row[0])), let seq = UInt32(last(row[7])) else { continue }
            let source = endpoint(last(row[1].isEmpty ? row[2] : row[1]), last(row[3]))
            let destination = endpoint(last(row[4].isEmpty ? row[5] : row[4]), last(row[6]))
            if streams[stream] == nil {
                streams[stream] = Stream(source: source, destination: destination)
                order.append(stream)
            }
            let length = Int64(last(row[8])) ?? 0
            let syn = ["1", "True"].contains(last(row[9]))
            let reset = ["1", "True"].contains(last(row[10]))
            guard length > 0, !reset else { continue }
            let start = syn ? seq &+ 1 : seq
            var direction = streams[stream]?.directions[source] ?? Direction(base: start)
            var offset = Int64(start &- direction.base)
            if offset >= 1 << 31 { offset -= 1 << 32 }
            direction.ranges.append((offset, offset + length))
            streams[stream]?.directions[source] = direction
        }
        func unique(_ direction: Direction?) -> Int64 {
            guard let direction else { return 0 }
            var total: Int64 = 0
            var end: Int64?
            for (low, high) in direction.ranges.sorted(by: { $0.0 < $1.0 }) {
                if let reached = end {
                    if low >= reached {
                        total += high - low
                        end = high
                    } else if high > reached {
                        total += high - reached
                        end = high
                    }
                } else {
                    total += high - low
                    end = high
                }
            }
            return total
        }
        return order.compactMap { id in
            guard let stream = streams[id] else { return nil }
            return Conversation(
                stream.source, stream.destination, unique(stream.directions[stream.source]),
                unique(stream.directions[stream.destination]))
        }
    }
}
