import InterposeCapture
import InterposeCore

/// Rebuilds fragmented IPv4 and IPv6 datagrams so the TCP segment inside can be read.
///
/// Memory is bounded: at most `maximumPending` datagrams are held, none larger than
/// `maximumDatagramSize`, and a datagram still incomplete `timeoutNanoseconds` after its first
/// fragment is abandoned and counted. Abandoned and unrebuildable datagrams are counted in
/// `abandoned`, which the reader reports as an `ip.fragment-incomplete` finding.
struct IPFragmentReassembler {
    /// Identifies one datagram (RFC 791 / RFC 8200).
    struct Key: Hashable {
        var source: IPAddress
        var destination: IPAddress
        var identification: UInt32
        var nextProtocol: UInt8
    }

    /// A datagram being rebuilt.
    private struct Pending {
        var bytes: [UInt8] = []
        var covered: [Range<Int>] = []
        var totalLength: Int?
        var firstSeen: Timestamp
        var broken = false
    }

    /// A rebuilt datagram payload and the packet that completed it.
    struct Datagram {
        var key: Key
        var payload: [UInt8]
    }

    /// The most datagrams held at once.
    var maximumPending = 1024
    /// The largest payload rebuilt (IPv4's limit; larger is malformed for our purpose).
    var maximumDatagramSize = 65_535
    /// How long a datagram may wait for its other fragments, in capture time.
    var timeoutNanoseconds: Int64 = 30_000_000_000

    /// Datagrams given up on (timed out, cut by the snap length, inconsistent, or over a limit).
    private(set) var abandoned = 0
    /// Datagrams rebuilt.
    private(set) var rebuilt = 0

    private var pending: [Key: Pending] = [:]

    /// Adds a fragment; returns the payload when it completes its datagram.
    mutating func add(_ fragment: IPFragment, at timestamp: Timestamp) -> Datagram? {
        let key = Key(
            source: fragment.source, destination: fragment.destination, identification: fragment.identification,
            nextProtocol: fragment.nextProtocol)
        if pending[key] == nil {
            if pending.count >= maximumPending { expire(olderThan: timestamp, force: true) }
            pending[key] = Pending(firstSeen: timestamp)
        }
        let end = fragment.offset + fragment.payload.count
        var entry = pending.removeValue(forKey: key) ?? Pending(firstSeen: timestamp)
        if fragment.isCut || end > maximumDatagramSize {
            entry.broken = true
        } else {
            if entry.bytes.count < end {
                entry.bytes.append(contentsOf: repeatElement(0, count: end - entry.bytes.count))
            }
            entry.bytes.withUnsafeMutableBytes { target in
                let destination = UnsafeMutableRawBufferPointer(rebasing: target[fragment.offset..<end])
                destination.copyMemory(from: fragment.payload)
            }
            entry.covered.append(fragment.offset..<end)
            if !fragment.moreFragments {
                if let total = entry.totalLength, total != end { entry.broken = true }
                entry.totalLength = end
            }
        }
        if let total = entry.totalLength, !entry.broken, IPFragmentReassembler.covers(entry.covered, total) {
            rebuilt += 1
            return Datagram(key: key, payload: Array(entry.bytes.prefix(total)))
        }
        pending[key] = entry
        return nil
    }

    /// Abandons datagrams whose first fragment is older than the timeout (all of them with `force`
    /// when the table is full, oldest first is not tracked: a full table is already pathological).
    mutating func expire(olderThan now: Timestamp, force: Bool = false) {
        let limit = now.nanosecondsSinceEpoch - timeoutNanoseconds
        for (key, entry) in pending where force || entry.firstSeen.nanosecondsSinceEpoch < limit {
            pending[key] = nil
            abandoned += 1
        }
    }

    /// Abandons everything still pending (end of the capture).
    mutating func finish() {
        abandoned += pending.count
        pending.removeAll()
    }

    private static func covers(_ ranges: [Range<Int>], _ total: Int) -> Bool {
        var reached = 0
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.lowerBound > reached { return false }
            reached = max(reached, range.upperBound)
        }
        return reached >= total
    }
}
