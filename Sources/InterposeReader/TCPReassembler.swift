import InterposeCapture
import InterposeCore

/// Rebuilds every TCP conversation in a stream of decoded segments into frames for a `FrameConsumer`.
///
/// A pure value type: segments and timestamps in, frames, findings and summaries out, so it is
/// tested without capture files. It tells client from server by the SYN and SYN-ACK, or guesses
/// from the ports when the capture began mid-stream; a new SYN on a 4-tuple whose conversation
/// ended (or with a different initial sequence number) starts a new conversation.
///
/// Memory is bounded per conversation (see `Settings`); a conversation that ended keeps only a
/// few counters until `Settings.forgetAfterNanoseconds` of capture time have passed.
///
/// ```swift
/// var reassembler = TCPReassembler()
/// reassembler.process(segment, timestamp: ts, packet: 1, into: &consumer)
/// reassembler.finish(into: &consumer)  // at the end of the capture
/// ```
public struct TCPReassembler {
    /// Limits and timeouts.
    public struct Settings: Sendable {
        /// The most out-of-order bytes held per direction before a hole is declared a gap.
        public var outOfOrderLimit = 4 << 20
        /// The most delivered, unacknowledged bytes held per direction to compare retransmissions with.
        public var retransmissionWindow = 1 << 20
        /// How long (capture time) a reset conversation stays open for stragglers before it closes.
        public var resetLingerNanoseconds: Int64 = 10_000_000_000
        /// How long (capture time) an ended conversation is remembered so late packets are not a new one.
        public var forgetAfterNanoseconds: Int64 = 120_000_000_000
        /// Segments that may still arrive after the receiver acknowledged past a hole before it is a gap.
        public var lateSegments = 16
        /// Capture time the bytes of an acknowledged hole may still arrive in before it is a gap.
        public var lateNanoseconds: Int64 = 1_000_000_000
        /// The most findings of one kind listed for one conversation; the rest are counted.
        public var findingsPerConnection = 10

        /// The defaults.
        public init() {}
    }

    /// The settings in use.
    public let settings: Settings
    private var index: [FlowKey: Int] = [:]
    private var trackers: [TCPConnectionTracker?] = []
    private var freeSlots: [Int] = []
    private var nextIdentifier: UInt64 = 1
    private var events: [StreamEvent] = []
    private var lastKey: FlowKey?
    private var lastSlot = 0
    private var packetsSinceSweep = 0

    /// A reassembler with no conversations.
    public init(settings: Settings = Settings()) {
        self.settings = settings
        events.reserveCapacity(16)
    }

    /// Conversations seen so far.
    public var connectionCount: Int { Int(nextIdentifier - 1) }

    /// Takes one decoded segment.
    /// - Parameters:
    ///   - segment: the segment; its payload is copied where it is kept.
    ///   - timestamp: when it was captured.
    ///   - packet: its packet number in the file (1-based), for findings.
    ///   - consumer: receives frames, findings and summaries.
    public mutating func process<Consumer: FrameConsumer>(
        _ segment: TCPSegment, timestamp: Timestamp, packet: Int, into consumer: inout Consumer
    ) {
        let key = FlowKey(segment.source, segment.destination)
        var slot: Int?
        if let lastKey, lastKey == key {
            slot = lastSlot
        } else {
            slot = index[key]
        }
        let isSyn = segment.flags.contains(.syn) && !segment.flags.contains(.ack)
        if let existing = slot, isSyn, let tracker = trackers[existing],
            tracker.isNewConnection(synSequence: segment.sequence)
        {
            retire(slot: existing, key: key, timestamp: timestamp, packet: packet, consumer: &consumer)
            slot = nil
        }
        let current: Int
        if let slot {
            current = slot
        } else {
            current = open(segment, key: key, timestamp: timestamp, packet: packet, consumer: &consumer)
        }
        lastKey = key
        lastSlot = current
        trackers[current]?.process(segment, timestamp: timestamp, packet: packet, events: &events, consumer: &consumer)
        packetsSinceSweep += 1
        if packetsSinceSweep >= 65_536 {
            packetsSinceSweep = 0
            sweep(now: timestamp, consumer: &consumer)
        }
    }

    /// Ends every conversation still open (the capture ended), in the order they were first seen.
    public mutating func finish<Consumer: FrameConsumer>(into consumer: inout Consumer) {
        let open = trackers.indices.compactMap { slot -> (ConnectionID, Int)? in
            guard let tracker = trackers[slot], !tracker.isFinalized else { return nil }
            return (tracker.id, slot)
        }.sorted { $0.0 < $1.0 }
        for (_, slot) in open {
            guard let last = trackers[slot]?.last else { continue }
            if let summary = trackers[slot]?.finalize(timestamp: last, packet: 0, events: &events, consumer: &consumer)
            {
                consumer.connectionClosed(summary)
            }
        }
        index.removeAll()
        trackers.removeAll()
        freeSlots.removeAll()
        lastKey = nil
    }

    // MARK: - Internals

    private mutating func open<Consumer: FrameConsumer>(
        _ segment: TCPSegment, key: FlowKey, timestamp: Timestamp, packet: Int, consumer: inout Consumer
    ) -> Int {
        let flags = segment.flags
        let client: Endpoint
        let server: Endpoint
        var guessed = false
        if flags.contains(.syn) {
            if flags.contains(.ack) {
                (client, server) = (segment.destination, segment.source)
            } else {
                (client, server) = (segment.source, segment.destination)
            }
        } else {
            guessed = true
            if TCPReassembler.looksLikeServer(segment.source.port, comparedWith: segment.destination.port) {
                (client, server) = (segment.destination, segment.source)
            } else {
                (client, server) = (segment.source, segment.destination)
            }
        }
        let id = ConnectionID(nextIdentifier)
        nextIdentifier += 1
        let descriptor = ConnectionDescriptor(id: id, client: client, server: server)
        let tracker = TCPConnectionTracker(
            descriptor: descriptor, rolesGuessed: guessed, timestamp: timestamp, packet: packet,
            settings: TCPStreamReassembler.Settings(
                outOfOrderLimit: settings.outOfOrderLimit, retransmissionWindow: settings.retransmissionWindow,
                lateSegments: settings.lateSegments, lateNanoseconds: settings.lateNanoseconds),
            findingsLimit: settings.findingsPerConnection)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            trackers[slot] = tracker
        } else {
            slot = trackers.count
            trackers.append(tracker)
        }
        index[key] = slot
        consumer.connectionOpened(descriptor, at: timestamp)
        consumer.consume(Frame(connection: id, direction: .clientToServer, timestamp: timestamp, event: .open))
        if guessed {
            consumer.report(
                Finding(
                    code: .tcpMidStream, connection: id, frame: packet,
                    message: "capture began mid-stream: no SYN or SYN-ACK seen",
                    detail: "client \(client) and server \(server) guessed from the ports"))
        }
        return slot
    }

    /// Whether `port` is more likely the server's than `other`: a well-known port against an
    /// ephemeral one, otherwise the lower port.
    static func looksLikeServer(_ port: UInt16, comparedWith other: UInt16) -> Bool {
        let wellKnown = port < 1024
        let otherWellKnown = other < 1024
        if wellKnown != otherWellKnown { return wellKnown }
        return port < other
    }

    private mutating func retire<Consumer: FrameConsumer>(
        slot: Int, key: FlowKey, timestamp: Timestamp, packet: Int, consumer: inout Consumer
    ) {
        if let tracker = trackers[slot], !tracker.isFinalized,
            let summary = trackers[slot]?.finalize(
                timestamp: timestamp, packet: packet, events: &events, consumer: &consumer)
        {
            consumer.connectionClosed(summary)
        }
        trackers[slot] = nil
        freeSlots.append(slot)
        index[key] = nil
        if lastKey == key { lastKey = nil }
    }

    /// Closes reset conversations that have been quiet long enough and forgets ended ones.
    private mutating func sweep<Consumer: FrameConsumer>(now: Timestamp, consumer: inout Consumer) {
        let now = now.nanosecondsSinceEpoch
        var stale: [(FlowKey, Int)] = []
        for (key, slot) in index {
            guard let tracker = trackers[slot] else { continue }
            let idle = now - tracker.last.nanosecondsSinceEpoch
            if tracker.isFinalized && idle > settings.forgetAfterNanoseconds {
                stale.append((key, slot))
            } else if !tracker.isFinalized && tracker.isReset && idle > settings.resetLingerNanoseconds {
                if let summary = trackers[slot]?.finalize(
                    timestamp: tracker.last, packet: 0, events: &events, consumer: &consumer)
                {
                    consumer.connectionClosed(summary)
                }
            }
        }
        for (key, slot) in stale {
            trackers[slot] = nil
            freeSlots.append(slot)
            index[key] = nil
            if lastKey == key { lastKey = nil }
        }
    }
}
