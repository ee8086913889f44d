import DequeModule
import NIOCore

/// The toxics of one direction of one connection, chained in list order as Toxiproxy chains them:
/// bytes and time in, "deliver these bytes now", "end the stream", "close", "reset" and "note" out.
///
/// A pure value: the proxy's `FaultHandler` feeds it what the source side sent and the clock, performs
/// the actions, and calls `advance(now:)` again at `nextDeadline`. Tests drive it with made-up times.
///
/// ```swift
/// var pipeline = ToxicPipeline(stream: .downstream, connection: 1, seed: 42)
/// _ = pipeline.update([Toxic(type: .latency, attributes: ["latency": 100])], now: 0)
/// pipeline.receive(bytes, now: 0)            // [] : held for 100 ms
/// pipeline.advance(now: 100_000_000)         // [.note("latency_downstream: +100 ms"), .deliver(bytes)]
/// ```
public struct ToxicPipeline {
    /// What the handler does, in order.
    public enum Action: Equatable, Sendable {
        /// Write these bytes to the destination now.
        case deliver(ByteBuffer)
        /// Forward the source's end of stream (half-close the destination) now.
        case endOfStream
        /// Close the whole connection (FIN both ways); the text says which toxic and why.
        case close(String)
        /// Reset the whole connection (RST both ways); the text says which toxic.
        case reset(String)
        /// A fault fired: record it as a comment on the next frame of this direction, and log it.
        case note(String)
    }

    /// Something travelling through the stages, with the time it may leave.
    struct Item {
        enum Event {
            case bytes(ByteBuffer)
            case end
            case close
            case reset
        }

        var at: UInt64
        /// When it arrived at the pipeline (latency counts from here, as Toxiproxy's does).
        var origin: UInt64
        var event: Event
        /// The faults that touched it, written with it.
        var notes: [String]
        /// The toxic that scheduled a close or reset on its own (removed with it).
        var owner: String?
    }

    /// The direction it acts on.
    public let stream: Toxic.Stream
    private let connection: UInt64
    private let seed: UInt64?
    private var stages: [ToxicStage] = []
    /// What left the stages, by time.
    private var scheduled: Deque<Item> = []
    private var scheduledBytes = 0
    private var lastDataAt: UInt64 = 0
    private var finished = false

    /// An empty pipeline.
    /// - Parameters:
    ///   - stream: which direction it serves; toxics of the other stream are ignored.
    ///   - connection: the connection's id, part of the random seed.
    ///   - seed: `--seed`; `nil` for random choices.
    public init(stream: Toxic.Stream, connection: UInt64, seed: UInt64?) {
        self.stream = stream
        self.connection = connection
        self.seed = seed
    }

    /// The bytes held now (delayed, paced, stalled): the handler stops reading the source above a bound.
    public var heldBytes: Int { scheduledBytes + stages.reduce(0) { $0 + $1.heldBytes } }

    /// When `advance(now:)` has something to do next; `nil` when nothing is scheduled.
    public var nextDeadline: UInt64? { scheduled.first?.at }

    /// Whether it closed or reset the connection: nothing more comes out.
    public var isFinished: Bool { finished }

    /// The names of the toxics that act on this connection (toxicity drawn), in order.
    public var applied: [String] { stages.filter(\.applies).map(\.toxic.name) }

    /// Takes the proxy's toxics as they are now: new ones are applied (toxicity drawn), removed ones
    /// let go of what they held, unchanged ones keep their state.
    /// - Returns: what is due now.
    public mutating func update(_ toxics: [Toxic], now: UInt64) -> [Action] {
        let wanted = toxics.filter { $0.stream == stream && !$0.type.isProtocolAware && $0.type != .connectDelay }
        var next: [ToxicStage] = []
        for toxic in wanted {
            if let old = stages.first(where: { $0.toxic.name == toxic.name }) {
                next.append(
                    old.toxic == toxic
                        ? old : ToxicStage(toxic: toxic, applies: old.applies, random: old.random, now: now))
            } else {
                next.append(ToxicStage(toxic: toxic, seed: seed, connection: connection, now: now))
            }
        }
        var released: [(start: Int, items: [Item])] = []
        for (index, stage) in stages.enumerated() {
            var old = stage
            let kept = next.contains { $0.toxic == old.toxic }
            guard !kept else { continue }
            scheduled.removeAll { $0.owner == old.toxic.name }
            let items = old.release()
            // Resume after the stages that came before it and are still there.
            let start =
                next.firstIndex { stage in
                    (stages.firstIndex { $0.toxic.name == stage.toxic.name } ?? Int.max) >= index
                } ?? next.count
            if !items.isEmpty { released.append((start, items)) }
        }
        let unchanged = Set(stages.map(\.toxic))
        let newNames = Set(next.filter { !unchanged.contains($0.toxic) }.map(\.toxic.name))
        stages = next
        for stage in stages where newNames.contains(stage.toxic.name) {
            if let close = stage.timedClose { schedule(close) }
        }
        var notes: [String] = []
        for (start, items) in released {
            for var item in items {
                item.at = max(item.at, now)
                run(item, from: start, notes: &notes)
            }
        }
        return notes.map(Action.note) + advance(now: now)
    }

    /// Bytes from the source side.
    /// - Returns: what is due now (often the same bytes, when nothing delays them).
    public mutating func receive(_ bytes: ByteBuffer, now: UInt64) -> [Action] {
        guard !finished else { return [] }
        var notes: [String] = []
        run(Item(at: now, origin: now, event: .bytes(bytes), notes: [], owner: nil), from: 0, notes: &notes)
        return notes.map(Action.note) + advance(now: now)
    }

    /// The source side's end of stream (FIN).
    /// - Returns: what is due now.
    public mutating func receiveEnd(now: UInt64) -> [Action] {
        guard !finished else { return [] }
        var notes: [String] = []
        run(Item(at: now, origin: now, event: .end, notes: [], owner: nil), from: 0, notes: &notes)
        return notes.map(Action.note) + advance(now: now)
    }

    /// The clock moved on: what is due by `now`, in order.
    public mutating func advance(now: UInt64) -> [Action] {
        var actions: [Action] = []
        var due = 0
        while due < scheduled.count, scheduled[due].at <= now, !finished {
            let item = scheduled[due]
            due += 1
            actions += item.notes.map(Action.note)
            switch item.event {
            case .bytes(let bytes):
                scheduledBytes -= bytes.readableBytes
                actions.append(.deliver(bytes))
            case .end:
                actions.append(.endOfStream)
            case .close:
                finish()
                actions.append(.close(item.notes.last ?? "closed"))
            case .reset:
                finish()
                actions.append(.reset(item.notes.last ?? "reset"))
            }
        }
        if !finished { scheduled.removeFirst(due) }
        return actions
    }

    private mutating func finish() {
        finished = true
        scheduled = []
        scheduledBytes = 0
        for index in stages.indices { _ = stages[index].release() }
    }

    private mutating func run(_ item: Item, from start: Int, notes: inout [String]) {
        var items = [item]
        for index in stages.indices where index >= start {
            var out: [Item] = []
            for item in items { out += stages[index].process(item, notes: &notes) }
            items = out
            if items.isEmpty { return }
        }
        for item in items { schedule(item) }
    }

    private mutating func schedule(_ item: Item) {
        var item = item
        switch item.event {
        case .bytes(let bytes):
            item.at = max(item.at, lastDataAt)
            lastDataAt = item.at
            scheduledBytes += bytes.readableBytes
        case .end:
            item.at = max(item.at, lastDataAt)
            lastDataAt = item.at
        case .close, .reset:
            break
        }
        // Stable: after everything due at the same time or earlier.
        var index = scheduled.count
        while index > 0, scheduled[index - 1].at > item.at { index -= 1 }
        scheduled.insert(item, at: index)
    }
}
