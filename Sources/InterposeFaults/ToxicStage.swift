import InterposeCore
import NIOCore

/// One toxic's place in a direction's pipeline: whether it applies to this connection (decided once,
/// by its toxicity), its own random numbers, and what it holds or counts.
///
/// Every stage turns an item (bytes, the end of the stream, a close or reset) arriving at a time into
/// the items it lets out and when, the way one of Toxiproxy's toxic goroutines reads its input
/// channel and writes its output channel; the times are computed at once instead of slept.
struct ToxicStage {
    /// The toxic as configured.
    let toxic: Toxic
    /// Whether it acts on this connection (random < toxicity, drawn once when it was applied).
    let applies: Bool
    /// When it was applied (the connection's start, or when it was added).
    let appliedAt: UInt64
    /// Its random numbers (jitter, slice sizes).
    var random: FaultRandom
    /// The earliest time the next piece may leave (keeps order through latency, pacing, slices).
    private var nextFree: UInt64 = 0
    /// What a stalled stage (timeout) holds until it is removed.
    private(set) var held: [ToxicPipeline.Item] = []
    /// The bytes in `held`.
    private(set) var heldBytes = 0
    /// Bytes still allowed through (limit_data).
    private var remaining: Int
    /// Set once it cut the stream (reset_peer fired, limit_data reached): later data is dropped.
    private var cut = false
    private var noted = false

    /// A stage for a toxic applied at `now`, deciding by its toxicity whether it acts at all.
    init(toxic: Toxic, seed: UInt64?, connection: UInt64, now: UInt64) {
        var random = FaultRandom(seed: seed, connection: connection, toxic: toxic.name)
        self.init(toxic: toxic, applies: random.nextUnit() < toxic.toxicity, random: random, now: now)
    }

    /// A stage keeping an earlier decision and random stream (the toxic's attributes changed).
    init(toxic: Toxic, applies: Bool, random: FaultRandom, now: UInt64) {
        self.toxic = toxic
        self.applies = applies
        self.random = random
        self.appliedAt = now
        self.remaining = toxic.count(.bytes)
    }

    /// The close a timeout with a time schedules when it is applied, if any.
    var timedClose: ToxicPipeline.Item? {
        guard applies, toxic.type == .timeout, toxic.number(.timeout) > 0 else { return nil }
        let at = appliedAt + ToxicStage.nanoseconds(milliseconds: toxic.number(.timeout))
        return ToxicPipeline.Item(
            at: at, origin: at, event: .close,
            notes: [
                "\(toxic.name): connection closed after \(Int(saturating: toxic.number(.timeout))) ms without data"
            ],
            owner: toxic.name)
    }

    /// Takes back what this stage held (it was removed or changed).
    mutating func release() -> [ToxicPipeline.Item] {
        defer {
            held = []
            heldBytes = 0
        }
        return held
    }

    /// Passes one item through.
    /// - Parameter notes: notes about the stream not tied to one frame (a stall began).
    /// - Returns: what leaves the stage, with times.
    mutating func process(_ item: ToxicPipeline.Item, notes: inout [String]) -> [ToxicPipeline.Item] {
        guard applies else { return [item] }
        switch item.event {
        case .close, .reset:
            return [item]
        case .bytes, .end:
            break
        }
        if cut { return [] }
        let name = toxic.name
        var item = item
        switch toxic.type {
        case .latency:
            if case .bytes = item.event {
                let delay = max(0, toxic.number(.latency) + random.nextSpread(toxic.number(.jitter)))
                item.at = max(item.at, item.origin + ToxicStage.nanoseconds(milliseconds: delay), nextFree)
                item.notes.append("\(name): +\(Int(saturating: delay.rounded())) ms")
            } else {
                item.at = max(item.at, nextFree)
            }
            nextFree = item.at
            return [item]
        case .bandwidth:
            let rate = toxic.number(.rate)  // KB/s, Toxiproxy's 1000 bytes: bytes per millisecond
            guard rate > 0, case .bytes(var bytes) = item.event else {
                item.at = max(item.at, nextFree)
                return [item]
            }
            let total = bytes.readableBytes
            let pieceSize = max(1, Int(saturating: rate * 100))  // Toxiproxy sends at most 100 ms worth at once
            var out: [ToxicPipeline.Item] = []
            while let piece = bytes.readSlice(length: min(pieceSize, bytes.readableBytes)), piece.readableBytes > 0 {
                let start = max(item.at, nextFree)
                nextFree = start + UInt64(saturating: Double(piece.readableBytes) * 1e6 / rate)
                out.append(
                    ToxicPipeline.Item(at: nextFree, origin: item.origin, event: .bytes(piece), notes: [], owner: nil))
            }
            if !out.isEmpty {
                let added = Double(out[out.count - 1].at - item.at) / 1e6
                out[0].notes =
                    item.notes + [
                        "\(name): \(total) bytes at \(ToxicStage.format(rate)) KB/s, +\(Int(saturating: added.rounded())) ms"
                    ]
            }
            return out
        case .slicer:
            let average = toxic.number(.averageSize)
            guard average >= 1, case .bytes(var bytes) = item.event else {
                item.at = max(item.at, nextFree)
                return [item]
            }
            let total = bytes.readableBytes
            let gap = UInt64(saturating: toxic.number(.sliceDelay) * 1000)
            var at = max(item.at, nextFree)
            var out: [ToxicPipeline.Item] = []
            while bytes.readableBytes > 0 {
                let size = max(
                    1, Int(saturating: (average + random.nextSpread(toxic.number(.sizeVariation))).rounded()))
                let piece = bytes.readSlice(length: min(size, bytes.readableBytes))!
                out.append(ToxicPipeline.Item(at: at, origin: item.origin, event: .bytes(piece), notes: [], owner: nil))
                at += gap
            }
            nextFree = at
            out[0].notes = item.notes + ["\(name): \(total) bytes in \(out.count) pieces"]
            return out
        case .timeout:
            if !noted {
                noted = true
                let timeout = toxic.number(.timeout)
                notes.append(
                    timeout > 0
                        ? "\(name): data stopped, closing \(Int(saturating: timeout)) ms after it applied"
                        : "\(name): data stopped until the toxic is removed")
            }
            if case .bytes(let bytes) = item.event { heldBytes += bytes.readableBytes }
            held.append(item)
            return []
        case .resetPeer:
            cut = true
            let at = item.at + ToxicStage.nanoseconds(milliseconds: toxic.number(.timeout))
            return [
                ToxicPipeline.Item(
                    at: at, origin: item.origin, event: .reset, notes: ["\(name): connection reset"], owner: name)
            ]
        case .limitData:
            guard case .bytes(var bytes) = item.event else { return [item] }
            var out: [ToxicPipeline.Item] = []
            if remaining > 0 {
                if bytes.readableBytes > remaining { bytes = bytes.getSlice(at: bytes.readerIndex, length: remaining)! }
                remaining -= bytes.readableBytes
                item.event = .bytes(bytes)
                out.append(item)
            }
            if remaining <= 0 {
                cut = true
                out.append(
                    ToxicPipeline.Item(
                        at: item.at, origin: item.origin, event: .close,
                        notes: ["\(name): connection closed after \(toxic.count(.bytes)) bytes"], owner: nil))
            }
            return out
        case .slowClose:
            guard case .end = item.event else { return [item] }
            let delay = toxic.number(.delay)
            item.at += ToxicStage.nanoseconds(milliseconds: delay)
            item.notes.append("\(name): close held \(Int(saturating: delay)) ms")
            return [item]
        case .connectDelay, .httpStatus, .redisError, .dropAfterRequests:
            return [item]
        }
    }

    static func nanoseconds(milliseconds: Double) -> UInt64 {
        UInt64(saturating: max(0, milliseconds) * 1e6)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(saturating: value)) : String(value)
    }
}
