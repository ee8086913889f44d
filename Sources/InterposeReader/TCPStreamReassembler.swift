import InterposeCapture
import InterposeCore
import NIOCore

/// Reassembles one direction of a TCP conversation: segments in, in-order data, gaps and a FIN out.
///
/// A pure value type (bytes and timestamps in, `StreamEvent`s out) so it is tested without files.
/// - In-order payload is copied once into a `ByteBuffer` and delivered at once.
/// - A segment ahead of the next expected byte waits in a buffer capped at
///   `Settings.outOfOrderLimit` bytes. The hole before it becomes a gap when the receiver
///   acknowledges past it and the bytes still do not come (`Settings.lateSegments` more segments
///   or `Settings.lateNanoseconds` of capture time later: a capture can show an ACK before the data
///   it acknowledges), when the cap is hit, or when the conversation ends. A gap is never joined
///   over: it is reported with its size, pointing at the first packet after it.
/// - Retransmitted bytes are compared with the first copy while that copy is held (delivered bytes
///   are held until the receiver acknowledges them, up to `Settings.retransmissionWindow` bytes);
///   a difference is reported, and the first copy stays the one delivered.
struct TCPStreamReassembler {
    /// Memory limits.
    struct Settings: Sendable {
        /// The most out-of-order bytes held for one direction before a hole is declared a gap.
        var outOfOrderLimit = 4 << 20
        /// The most delivered, not yet acknowledged bytes kept to compare retransmissions with.
        var retransmissionWindow = 1 << 20
        /// Segments that may still arrive after the receiver acknowledged past a hole before it is a gap.
        var lateSegments = 16
        /// Capture time the bytes of an acknowledged hole may still arrive in before it is a gap.
        var lateNanoseconds: Int64 = 1_000_000_000
    }

    private struct Piece {
        var offset: Int64
        var length: Int
        /// `nil` for bytes known to exist but not captured (cut by the snap length).
        var buffer: ByteBuffer?
        var isFinish: Bool
        /// The packet it came in, for findings about the hole before it.
        var packet: Int
        var end: Int64 { offset + Int64(length) }
    }

    private struct Retained {
        var offset: Int64
        var buffer: ByteBuffer
        var end: Int64 { offset + Int64(buffer.readableBytes) }
    }

    private static let allocator = ByteBufferAllocator()

    let settings: Settings
    /// Whether the stream's position is known (from a SYN, or from its first data segment).
    private(set) var isStarted = false
    /// The sequence number of the next byte expected.
    private(set) var nextSequence: UInt32 = 0
    /// The stream offset of the next byte expected: bytes delivered plus gap bytes.
    private(set) var offset: Int64 = 0
    /// Whether the FIN was delivered in order.
    private(set) var isFinished = false
    /// Counters.
    private(set) var statistics = StreamStatistics()

    private var pending: [Piece] = []
    private var pendingBytes = 0
    private var retained: [Retained] = []
    private var retainedHead = 0
    private var retainedBytes = 0
    private var peerAcknowledgment: UInt32?
    /// When the receiver first acknowledged past the first hole, and segments seen since.
    private var acknowledgedHole: (since: Timestamp, segments: Int)?

    /// A direction with nothing seen yet.
    init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Out-of-order bytes held now.
    var bufferedBytes: Int { pendingBytes }

    /// Sets the position: `sequence` is the sequence number of the first data byte (ISN + 1 after a SYN).
    mutating func start(at sequence: UInt32) {
        guard !isStarted else { return }
        isStarted = true
        nextSequence = sequence
    }

    /// Takes one segment of this direction.
    /// - Parameters:
    ///   - sequence: the segment's sequence number (of its first payload byte).
    ///   - payload: the captured payload.
    ///   - missing: payload bytes after `payload` that the capture cut.
    ///   - finish: whether the segment carries FIN.
    mutating func segment(
        sequence: UInt32, payload: UnsafeRawBufferPointer, missing: Int = 0, finish: Bool, timestamp: Timestamp,
        packet: Int, into events: inout [StreamEvent]
    ) {
        let length = payload.count + missing
        if !isStarted {
            guard length > 0 || finish else { return }
            start(at: sequence)
        }
        var payload = payload
        var missing = missing
        var delta = Int64(Int32(bitPattern: sequence &- nextSequence))
        if isFinished {
            if length > 0 {
                if delta + Int64(length) > 0 {
                    statistics.dataAfterFinish += 1
                } else {
                    countRetransmission(
                        at: offset + delta, payload: payload, length: length, timestamp, packet, &events)
                }
            }
            return
        }
        if delta < 0 {
            let behind = -delta
            if length == 1 && behind == 1 && !finish {
                statistics.keepAlives += 1
                return
            }
            let overlap = Int(min(Int64(length), behind))
            if overlap > 0 {
                let present = UnsafeRawBufferPointer(rebasing: payload[0..<min(overlap, payload.count)])
                countRetransmission(at: offset + delta, payload: present, length: overlap, timestamp, packet, &events)
            }
            if Int64(length) <= behind {
                if finish && Int64(length) == behind {
                    deliverFinish(timestamp, packet, &events)
                }
                return
            }
            let trim = Int(behind)
            if trim <= payload.count {
                payload = UnsafeRawBufferPointer(rebasing: payload[trim...])
            } else {
                missing -= trim - payload.count
                payload = UnsafeRawBufferPointer(rebasing: payload[payload.count...])
            }
            delta = 0
        }
        if delta == 0 {
            deliver(payload, missing: missing, timestamp, packet, &events)
            if finish { deliverFinish(timestamp, packet, &events) }
            if !pending.isEmpty {
                drain(timestamp, packet, &events)
                checkAcknowledgedHole(timestamp, &events)
            }
            return
        }
        statistics.outOfOrderSegments += 1
        hold(at: offset + delta, payload: payload, missing: missing, finish: finish, timestamp, packet, &events)
        if var hole = acknowledgedHole {
            hole.segments += 1
            acknowledgedHole = hole
        }
        checkAcknowledgedHole(timestamp, &events)
        if pendingBytes > settings.outOfOrderLimit {
            statistics.outOfOrderLimitHits += 1
            fillGaps(upTo: nil, reason: .outOfOrderLimit, timestamp, packet, &events)
        }
    }

    /// Takes the acknowledgement number the other side sent: releases retained bytes and turns
    /// holes the receiver acknowledged past into gaps.
    mutating func peerAcknowledged(
        _ acknowledgment: UInt32, timestamp: Timestamp, packet: Int, into events: inout [StreamEvent]
    ) {
        if let previous = peerAcknowledgment, Int32(bitPattern: acknowledgment &- previous) <= 0 { return }
        peerAcknowledgment = acknowledgment
        guard isStarted, let acknowledged = acknowledgedOffset else { return }
        while retainedHead < retained.count && retained[retainedHead].end <= acknowledged {
            retainedBytes -= retained[retainedHead].buffer.readableBytes
            retainedHead += 1
        }
        compactRetained()
        checkAcknowledgedHole(timestamp, &events)
    }

    /// Declares the holes the receiver acknowledged past gaps once their bytes are late enough.
    private mutating func checkAcknowledgedHole(_ timestamp: Timestamp, _ events: inout [StreamEvent]) {
        guard let acknowledged = acknowledgedOffset, let first = pending.first, first.offset <= acknowledged,
            first.offset > offset
        else {
            acknowledgedHole = nil
            return
        }
        guard let hole = acknowledgedHole else {
            acknowledgedHole = (timestamp, 0)
            return
        }
        if hole.segments >= settings.lateSegments
            || timestamp.nanosecondsSinceEpoch - hole.since.nanosecondsSinceEpoch > settings.lateNanoseconds
        {
            acknowledgedHole = nil
            fillGaps(upTo: acknowledged, reason: .lost, timestamp, 0, &events)
        }
    }

    /// Ends the stream (the conversation closed, or the capture ended): held segments are delivered
    /// with gaps before them, and bytes the receiver acknowledged but the capture never saw become a
    /// final gap.
    mutating func close(timestamp: Timestamp, packet: Int, into events: inout [StreamEvent]) {
        if !pending.isEmpty { fillGaps(upTo: nil, reason: .lost, timestamp, packet, &events) }
        if isStarted, !isFinished, let acknowledged = acknowledgedOffset, acknowledged > offset,
            acknowledged - offset < 1 << 30
        {
            emitGap(Int(acknowledged - offset), reason: .lost, timestamp, packet, &events)
        }
        retained.removeAll()
        retainedHead = 0
        retainedBytes = 0
    }

    // MARK: - Internals

    /// The stream offset the receiver has acknowledged, when it is within reach.
    private var acknowledgedOffset: Int64? {
        guard let peerAcknowledgment else { return nil }
        return offset + Int64(Int32(bitPattern: peerAcknowledgment &- nextSequence))
    }

    private mutating func deliver(
        _ payload: UnsafeRawBufferPointer, missing: Int, _ timestamp: Timestamp, _ packet: Int,
        _ events: inout [StreamEvent]
    ) {
        if payload.count > 0 {
            var buffer = TCPStreamReassembler.allocator.buffer(capacity: payload.count)
            buffer.writeBytes(payload)
            deliver(buffer, timestamp, packet, &events)
        }
        if missing > 0 {
            statistics.snaplenCutBytes += Int64(missing)
            emitGap(missing, reason: .notCaptured, timestamp, packet, &events)
        }
    }

    private mutating func deliver(
        _ buffer: ByteBuffer, _ timestamp: Timestamp, _ packet: Int, _ events: inout [StreamEvent]
    ) {
        let count = buffer.readableBytes
        events.append(.data(buffer, timestamp, packet: packet))
        statistics.bytes += Int64(count)
        statistics.dataFrames += 1
        if settings.retransmissionWindow > 0 {
            retained.append(Retained(offset: offset, buffer: buffer))
            retainedBytes += count
            while retainedBytes > settings.retransmissionWindow && retainedHead < retained.count {
                retainedBytes -= retained[retainedHead].buffer.readableBytes
                retainedHead += 1
            }
            compactRetained()
        }
        advance(count)
    }

    private mutating func emitGap(
        _ size: Int, reason: StreamEvent.GapReason, _ timestamp: Timestamp, _ packet: Int, _ events: inout [StreamEvent]
    ) {
        events.append(.gap(size: size, offset: offset, reason: reason, timestamp, packet: packet))
        statistics.gaps += 1
        statistics.gapBytes += Int64(size)
        advance(size)
    }

    private mutating func deliverFinish(_ timestamp: Timestamp, _ packet: Int, _ events: inout [StreamEvent]) {
        guard !isFinished else { return }
        isFinished = true
        events.append(.finish(timestamp, packet: packet))
        if !pending.isEmpty {
            statistics.dataAfterFinish += pending.filter { !$0.isFinish }.count
            pending.removeAll()
            pendingBytes = 0
        }
    }

    private mutating func advance(_ count: Int) {
        offset += Int64(count)
        nextSequence &+= UInt32(truncatingIfNeeded: count)
    }

    private mutating func compactRetained() {
        if retainedHead == retained.count {
            retained.removeAll(keepingCapacity: true)
            retainedHead = 0
        } else if retainedHead > 64 && retainedHead * 2 > retained.count {
            retained.removeFirst(retainedHead)
            retainedHead = 0
        }
    }

    /// Counts a retransmitted range and compares it with the first copy where that is still held.
    private mutating func countRetransmission(
        at start: Int64, payload: UnsafeRawBufferPointer, length: Int, _ timestamp: Timestamp, _ packet: Int,
        _ events: inout [StreamEvent]
    ) {
        statistics.retransmissions += 1
        statistics.retransmittedBytes += Int64(length)
        switch compareWithRetained(at: start, payload) {
        case .identical: break
        case .unverified: statistics.unverifiedRetransmissions += 1
        case .differs(let at):
            statistics.overlapMismatches += 1
            events.append(.overlapMismatch(offset: at, length: length, timestamp, packet: packet))
        }
    }

    private enum Comparison {
        case identical
        case unverified
        case differs(at: Int64)
    }

    private func compareWithRetained(at start: Int64, _ bytes: UnsafeRawBufferPointer) -> Comparison {
        guard !bytes.isEmpty else { return .identical }
        // Binary search for the last retained chunk starting at or before `start`.
        var low = retainedHead
        var high = retained.count
        while low < high {
            let mid = (low + high) / 2
            if retained[mid].offset <= start { low = mid + 1 } else { high = mid }
        }
        var index = low - 1
        guard index >= retainedHead else { return .unverified }
        var cursor = start
        let end = start + Int64(bytes.count)
        var complete = true
        while cursor < end && index < retained.count {
            let chunk = retained[index]
            if chunk.offset > cursor {
                complete = false
                cursor = chunk.offset
                if cursor >= end { break }
            }
            if chunk.end > cursor {
                let from = Int(cursor - chunk.offset)
                let count = Int(min(chunk.end, end) - cursor)
                let at = Int(cursor - start)
                let differs = chunk.buffer.withUnsafeReadableBytes { held -> Int? in
                    for i in 0..<count where held[from + i] != bytes[at + i] { return i }
                    return nil
                }
                if let differs { return .differs(at: cursor + Int64(differs)) }
                cursor += Int64(count)
            }
            index += 1
        }
        return complete && cursor >= end ? .identical : .unverified
    }

    /// Holds a segment that is ahead of the next expected byte, without the parts already held.
    private mutating func hold(
        at start: Int64, payload: UnsafeRawBufferPointer, missing: Int, finish: Bool, _ timestamp: Timestamp,
        _ packet: Int, _ events: inout [StreamEvent]
    ) {
        var newPieces: [Piece] = []
        if payload.count > 0 {
            var buffer = TCPStreamReassembler.allocator.buffer(capacity: payload.count)
            buffer.writeBytes(payload)
            addUncovered(
                Piece(offset: start, length: payload.count, buffer: buffer, isFinish: false, packet: packet),
                to: &newPieces, timestamp, packet, &events)
        }
        if missing > 0 {
            addUncovered(
                Piece(
                    offset: start + Int64(payload.count), length: missing, buffer: nil, isFinish: false, packet: packet),
                to: &newPieces, timestamp, packet, &events)
        }
        if finish && !pending.contains(where: { $0.isFinish }) {
            newPieces.append(
                Piece(
                    offset: start + Int64(payload.count + missing), length: 0, buffer: nil, isFinish: true,
                    packet: packet))
        }
        guard !newPieces.isEmpty else {
            statistics.outOfOrderSegments -= 1
            statistics.retransmissions += 1
            statistics.retransmittedBytes += Int64(payload.count + missing)
            return
        }
        for piece in newPieces {
            pendingBytes += piece.length
            let index =
                pending.firstIndex(where: { $0.offset > piece.offset || ($0.offset == piece.offset && $0.isFinish) })
                ?? pending.count
            pending.insert(piece, at: index)
        }
    }

    /// Splits `piece` around the held pieces it overlaps, comparing the overlapped bytes.
    private mutating func addUncovered(
        _ piece: Piece, to output: inout [Piece], _ timestamp: Timestamp, _ packet: Int, _ events: inout [StreamEvent]
    ) {
        var cursor = piece.offset
        let end = piece.end
        for held in pending where !held.isFinish && held.end > cursor && held.offset < end {
            if held.offset > cursor {
                output.append(slice(of: piece, from: cursor, to: held.offset))
            }
            let overlapStart = max(cursor, held.offset)
            let overlapEnd = min(end, held.end)
            if let mine = piece.buffer, let theirs = held.buffer, overlapEnd > overlapStart {
                let count = Int(overlapEnd - overlapStart)
                let a = mine.getSlice(at: mine.readerIndex + Int(overlapStart - piece.offset), length: count)
                let b = theirs.getSlice(at: theirs.readerIndex + Int(overlapStart - held.offset), length: count)
                if let a, let b, a != b {
                    statistics.overlapMismatches += 1
                    events.append(.overlapMismatch(offset: overlapStart, length: count, timestamp, packet: packet))
                }
            }
            cursor = max(cursor, held.end)
            if cursor >= end { break }
        }
        if cursor < end { output.append(slice(of: piece, from: cursor, to: end)) }
    }

    private func slice(of piece: Piece, from start: Int64, to end: Int64) -> Piece {
        let length = Int(end - start)
        var buffer: ByteBuffer?
        if let whole = piece.buffer {
            buffer = whole.getSlice(at: whole.readerIndex + Int(start - piece.offset), length: length)
        }
        return Piece(offset: start, length: length, buffer: buffer, isFinish: false, packet: piece.packet)
    }

    /// Delivers held pieces that the next expected byte has reached.
    private mutating func drain(_ timestamp: Timestamp, _ packet: Int, _ events: inout [StreamEvent]) {
        while let first = pending.first, first.offset <= offset, !isFinished {
            pending.removeFirst()
            pendingBytes -= first.length
            if first.isFinish {
                if first.offset == offset { deliverFinish(timestamp, packet, &events) }
                continue
            }
            guard first.end > offset else { continue }
            let trim = Int(offset - first.offset)
            if var buffer = first.buffer {
                buffer.moveReaderIndex(forwardBy: trim)
                deliver(buffer, timestamp, packet, &events)
            } else {
                statistics.snaplenCutBytes += Int64(first.length - trim)
                emitGap(first.length - trim, reason: .notCaptured, timestamp, packet, &events)
            }
        }
    }

    /// Declares the holes before held pieces (up to `limit`, or all) gaps, delivering what follows them.
    private mutating func fillGaps(
        upTo limit: Int64?, reason: StreamEvent.GapReason, _ timestamp: Timestamp, _ packet: Int,
        _ events: inout [StreamEvent]
    ) {
        while let first = pending.first, !isFinished {
            if let limit, first.offset > limit { break }
            if first.offset > offset {
                // The finding points at the first packet after the hole.
                emitGap(Int(first.offset - offset), reason: reason, timestamp, first.packet, &events)
            }
            drain(timestamp, packet, &events)
        }
    }
}
