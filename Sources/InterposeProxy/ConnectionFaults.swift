import InterposeCapture
import InterposeCore
import InterposeFaults
import Logging
import NIOCore

/// One connection's faults: the two directions' `ToxicPipeline`s and its `RequestFaults`, fed by
/// the two `FaultHandler`s, with the timers that let delayed bytes out.
///
/// It stays out of the way until the proxy has a toxic (`isEngaged`: one generation check per
/// chunk); from then on, the capture records each direction as it leaves the faults (so every
/// fault's note is a comment on the frame it touched), and reading from a side stops while more than
/// `holdBound` bytes wait to go the other way.
final class ConnectionFaults {
    /// Above this many held bytes in a direction, its source is not read.
    static let holdBound = 1 << 20

    private let toxics: ToxicSet
    private let proxyName: String
    private let id: ConnectionID
    private let seed: UInt64?
    private let logger: Logger
    private weak var connection: ProxyConnection?
    private var generation: Int
    /// Set once any toxic was on this connection; it stays set, so no byte is recorded twice.
    private(set) var engaged = false
    private var upstream: ToxicPipeline
    private var downstream: ToxicPipeline
    private var requests: RequestFaults
    private var clientHandler: FaultHandler?
    private var upstreamHandler: FaultHandler?
    private var timers: [Toxic.Stream: (deadline: UInt64, task: Scheduled<Void>)] = [:]
    /// While engaged, toxics changed at run time are looked at as soon as they change, even without
    /// traffic (a stalled direction released, a timeout added to an idle connection).
    private var observation: ToxicSet.Observation?
    private var finished = false

    init(
        toxics: ToxicSet, id: ConnectionID, seed: UInt64?, serverPort: UInt16, proxyName: String, logger: Logger,
        connection: ProxyConnection
    ) {
        self.toxics = toxics
        self.proxyName = proxyName
        self.id = id
        self.seed = seed
        self.logger = logger
        self.connection = connection
        self.upstream = ToxicPipeline(stream: .upstream, connection: id.rawValue, seed: seed)
        self.downstream = ToxicPipeline(stream: .downstream, connection: id.rawValue, seed: seed)
        self.requests = RequestFaults(connection: id.rawValue, serverPort: serverPort, seed: seed)
        self.generation = -1
    }

    /// Whether toxics act on this connection; re-reads them when they changed.
    var isEngaged: Bool {
        if toxics.generation != generation { refresh() }
        return engaged
    }

    /// The upstream connect's delay (connect_delay), with its notes recorded.
    func connectDelay() -> TimeAmount? {
        let decided = ConnectDelay.decide(toxics.toxics, connection: id.rawValue, seed: seed)
        guard decided.milliseconds > 0 else { return nil }
        for note in decided.notes { record(note, on: .upstream) }
        return .nanoseconds(Int64(saturating: decided.milliseconds * 1e6))
    }

    /// Whether the source of `stream`'s bytes must not be read now (too much held).
    func holdsReads(for stream: Toxic.Stream) -> Bool {
        guard engaged else { return false }
        let held = stream == .upstream ? upstream.heldBytes + requests.heldBytes : downstream.heldBytes
        return held > ConnectionFaults.holdBound
    }

    func attach(_ handler: FaultHandler) {
        if handler.stream == .downstream { clientHandler = handler } else { upstreamHandler = handler }
        _ = isEngaged
        // Timers set before the channel existed (a timeout applied at the start) are armed now.
        arm(handler.stream)
    }

    func detach(_ handler: FaultHandler) {
        if handler.stream == .downstream { clientHandler = nil } else { upstreamHandler = nil }
        timers[handler.stream]?.task.cancel()
        timers[handler.stream] = nil
        if clientHandler == nil && upstreamHandler == nil {
            finished = true
            stopObserving()
        }
    }

    /// Bytes the glue forwards towards `stream`'s destination.
    func write(_ buffer: ByteBuffer, on stream: Toxic.Stream) {
        let now = ConnectionFaults.now()
        if stream == .upstream {
            guard requests.isActive else {
                perform(upstream.receive(buffer, now: now), on: .upstream)
                return
            }
            for action in requests.receiveRequestBytes(buffer, at: timestamp()) {
                switch action {
                case .forward(let request):
                    perform(upstream.receive(request, now: now), on: .upstream)
                case .answer(let answer, let request, let note):
                    // The client did send it: it is in the capture, though the upstream never saw it.
                    connection?.recordAnswered(request, on: .clientToServer)
                    record(note, on: .downstream)
                    perform(downstream.receive(answer, now: now), on: .downstream)
                case .close(let note):
                    record(note, on: .upstream)
                    closeConnection(note)
                }
            }
        } else {
            requests.receiveResponseBytes(buffer, at: timestamp())
            perform(downstream.receive(buffer, now: now), on: .downstream)
        }
    }

    /// The glue forwards the source's end of stream towards `stream`'s destination.
    func writeEnd(on stream: Toxic.Stream) {
        let now = ConnectionFaults.now()
        if stream == .upstream {
            perform(upstream.receiveEnd(now: now), on: .upstream)
        } else {
            perform(downstream.receiveEnd(now: now), on: .downstream)
        }
    }

    // MARK: Performing

    private func refresh() {
        let snapshot = toxics.snapshot
        generation = snapshot.generation
        if !engaged && snapshot.toxics.isEmpty { return }
        if !engaged {
            engaged = true
            startObserving()
        }
        let now = ConnectionFaults.now()
        for action in requests.update(snapshot.toxics) {
            if case .forward(let bytes) = action { perform(upstream.receive(bytes, now: now), on: .upstream) }
        }
        perform(upstream.update(snapshot.toxics, now: now), on: .upstream)
        perform(downstream.update(snapshot.toxics, now: now), on: .downstream)
    }

    private func startObserving() {
        guard !finished, observation == nil, let loop = connection?.eventLoop else { return }
        let bound = NIOLoopBound(WeakFaults(self), eventLoop: loop)
        observation = toxics.observe {
            bound.eventLoop.execute {
                guard let faults = bound.value.faults, !faults.finished else { return }
                _ = faults.isEngaged
            }
        }
    }

    private func stopObserving() {
        if let observation { toxics.stopObserving(observation) }
        observation = nil
    }

    /// What an observation holds: the faults go when their connection does.
    private struct WeakFaults {
        weak var faults: ConnectionFaults?
        init(_ faults: ConnectionFaults) { self.faults = faults }
    }

    private func perform(_ actions: [ToxicPipeline.Action], on stream: Toxic.Stream) {
        let handler = stream == .downstream ? clientHandler : upstreamHandler
        let direction: Direction = stream == .downstream ? .serverToClient : .clientToServer
        let wasHolding = holdsReads(for: stream)
        var wrote = false
        for action in actions {
            switch action {
            case .deliver(let bytes):
                // Recorded by the plaintext tap in front of the handler, as it leaves.
                handler?.context?.write(NIOAny(bytes), promise: nil)
                wrote = true
            case .endOfStream:
                if wrote { handler?.context?.flush() }
                wrote = false
                connection?.recordEnd(on: direction)
                if let context = handler?.context {
                    context.writeAndFlush(NIOAny(ByteBuffer())).assumeIsolated().whenComplete { _ in
                        context.close(mode: .output, promise: nil)
                    }
                }
            case .note(let text):
                record(text, on: stream)
            case .close(let text):
                if wrote { handler?.context?.flush() }
                wrote = false
                closeConnection(text)
            case .reset(let text):
                resetConnection(text)
            }
        }
        if wrote { handler?.context?.flush() }
        if wasHolding && !holdsReads(for: stream) { connection?.faultsReleased(stream) }
        arm(stream)
    }

    private func arm(_ stream: Toxic.Stream) {
        let pipeline = stream == .downstream ? downstream : upstream
        guard let deadline = pipeline.nextDeadline,
            let context = (stream == .downstream ? clientHandler : upstreamHandler)?.context
        else {
            if pipeline.nextDeadline == nil {
                timers[stream]?.task.cancel()
                timers[stream] = nil
            }
            return
        }
        if let timer = timers[stream], timer.deadline == deadline { return }
        timers[stream]?.task.cancel()
        // The clock read once: read twice, it can pass the deadline between the test and the
        // subtraction, and the unsigned difference traps.
        let now = ConnectionFaults.now()
        let delay = deadline > now ? Int64(clamping: deadline - now) : 0
        let task = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) { [weak self] in
            guard let self else { return }
            self.timers[stream] = nil
            let now = max(ConnectionFaults.now(), deadline)
            if stream == .downstream {
                self.perform(self.downstream.advance(now: now), on: .downstream)
            } else {
                self.perform(self.upstream.advance(now: now), on: .upstream)
            }
        }
        timers[stream] = (deadline, task)
    }

    private func record(_ note: String, on stream: Toxic.Stream) {
        logger.debug("connection \(id) fault \(note)")
        // Every note starts with the name of the toxic that fired (`latency_downstream: +103 ms`).
        if let colon = note.firstIndex(of: ":") {
            let name = note[..<colon]
            if let toxic = toxics.toxics.first(where: { $0.name == name }) {
                FaultMetrics.fired(proxy: proxyName, toxic: toxic)
            }
        }
        connection?.recordNote("interpose fault \(note)", on: stream == .downstream ? .serverToClient : .clientToServer)
    }

    private func closeConnection(_ reason: String) {
        guard !finished else { return }
        finished = true
        connection?.closeForFault(reason)
    }

    private func resetConnection(_ reason: String) {
        guard !finished else { return }
        finished = true
        connection?.resetForFault(reason)
    }

    private func timestamp() -> Timestamp {
        connection?.clockNow ?? Timestamp(nanosecondsSinceEpoch: 0)
    }

    static func now() -> UInt64 {
        NIODeadline.now().uptimeNanoseconds
    }

    deinit {
        if let observation { toxics.stopObserving(observation) }
    }
}

@available(*, unavailable)
extension ConnectionFaults: Sendable {}
