import InterposeAnalysis
import InterposeCapture
import InterposeCore
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// One replayed connection on its event loop: performs what its `ReplayConversationState` decides,
/// records the traffic (`--capture`) and checks it (the checks of `interpose check`).
final class ReplayConnection {
    private var state: ReplayConversationState
    private let id: ConnectionID
    private let channel: Channel
    private let clock: CaptureClock
    private let sink: CaptureSink?
    private var timer: Scheduled<Void>?
    private let correlations: CorrelationStore?
    private let onEnd: (ReplayConnection) -> Void
    private var ended = false
    /// Reaches this connection from another conversation's loop when the write order lets it go on.
    private let woken: WakeBox?
    private let order: (WriteOrder, index: Int)?
    private var reportedAnswers = 0
    /// Whether the target reset the connection (rather than the replay stopping it).
    private var resetByTarget = false
    /// Findings of the checks on this connection's traffic.
    var findings: [Finding] { state.findings }

    /// - Parameters:
    ///   - order: the run's order of writes across conversations, and this conversation's index in it.
    ///   - correlations: the run's live correlation values; `nil` to send the recorded bytes.
    init(
        plan: PlannedConversation, id: ConnectionID, channel: Channel, settings: ReplayEngine.Settings,
        clock: CaptureClock, order: (WriteOrder, index: Int)? = nil, correlations: CorrelationStore? = nil,
        onEnd: @escaping (ReplayConnection) -> Void
    ) {
        let local = channel.localAddress.flatMap(Endpoint.init(socketAddress:)) ?? plan.recorded.descriptor.client
        let remote = channel.remoteAddress.flatMap(Endpoint.init(socketAddress:)) ?? plan.recorded.descriptor.server
        let descriptor = ConnectionDescriptor(id: id, client: local, server: remote)
        var gate: ReplayConversationState.WriteGate?
        if let (order, index) = order {
            let loop = channel.eventLoop
            let woken = WakeBox()
            gate = ReplayConversationState.WriteGate(
                mayWrite: { step, now in
                    order.mayWrite(index, step: step, now: now) {
                        loop.execute { woken.connection?.resume() }
                    }
                },
                // Told once the bytes are written (`perform`), so the conversation woken by it
                // writes after them.
                wrote: { woken.unreported += 1 })
            self.woken = woken
        } else {
            woken = nil
        }
        state = ReplayConversationState(
            plan: plan, descriptor: descriptor, speed: settings.speed,
            timeout: settings.responseTimeout.nanoseconds, now: clock.now().nanosecondsSinceEpoch,
            postgresPasswords: settings.postgresPasswords, checks: settings.checks, gate: gate,
            correlations: correlations)
        self.channel = channel
        self.correlations = correlations
        self.id = id
        self.clock = clock
        self.sink = settings.capture
        self.onEnd = onEnd
        self.order = order
        woken?.connection = self
        sink?.submit(
            .clientConnected(
                id, client: local, listener: remote, at: clock.now(),
                comment: "interpose replay of conversation \(plan.recorded.descriptor.id) to \(remote)"))
    }

    /// The replay as it stands.
    var result: (replayed: RecordedConversation, error: String?) {
        (state.replayed, state.error)
    }

    func start() {
        perform(state.advance(at: now))
    }

    /// Another conversation moved on: see whether the next write may go.
    func resume() {
        guard !ended else { return }
        perform(state.advance(at: now))
    }

    func received(_ buffer: ByteBuffer) {
        let at = now
        record(.serverToClient, .data(buffer), at: at)
        perform(state.received(buffer, at: at))
        if let (order, index) = order, state.recorder.responses > reportedAnswers {
            reportedAnswers = state.recorder.responses
            order.answered(index, count: reportedAnswers)
        }
    }

    func serverFinished() {
        let at = now
        record(.serverToClient, .finish, at: at)
        perform(state.serverFinished(at: at))
    }

    /// The connection failed: reset by the target (`byTarget`), or it could not be set up.
    func failed(_ reason: String, byTarget: Bool = false) {
        if byTarget, !state.isDone { resetByTarget = true }
        perform(state.failed(reason, at: now))
    }

    func channelClosed() {
        if !state.isDone {
            resetByTarget = true
            perform(state.failed("the connection was reset by the target", at: now))
        }
        end()
    }

    private var now: Int64 { clock.now().nanosecondsSinceEpoch }

    private func perform(_ actions: [ReplayConversationState.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                record(.clientToServer, .data(bytes), at: now)
                channel.writeAndFlush(bytes, promise: nil)
            case .shutdownOutput:
                record(.clientToServer, .finish, at: now)
                channel.close(mode: .output, promise: nil)
            case .reset:
                if let provider = channel as? SocketOptionProvider {
                    _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                }
                channel.close(promise: nil)
            case .close:
                channel.close(promise: nil)
            case .awaitValues(let ids):
                let connection = NIOLoopBound(self, eventLoop: channel.eventLoop)
                let loop = channel.eventLoop
                correlations?.whenPublished(ids) {
                    loop.execute { connection.value.resume() }
                }
            case .wake(let at):
                timer?.cancel()
                timer = channel.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(max(0, at - now))) {
                    self.timer = nil
                    self.perform(self.state.advance(at: self.now))
                }
            }
        }
        if let woken, woken.unreported > 0, let (order, index) = order {
            for _ in 0..<woken.unreported { order.wrote(index) }
            woken.unreported = 0
        }
    }

    private func record(_ direction: Direction, _ event: Frame.Event, at: Int64) {
        guard let sink else { return }
        let timestamp = Timestamp(nanosecondsSinceEpoch: at)
        switch event {
        case .data(let buffer): sink.submit(.data(id, direction, buffer, at: timestamp))
        case .finish: sink.submit(.finish(id, direction, at: timestamp))
        default: break
        }
    }

    private func end() {
        guard !ended else { return }
        ended = true
        timer?.cancel()
        // Only a reset the target sent is the target's; an early stop of the replay's own (a timeout,
        // a password it lacks) closes the connection, and the checks see requests left waiting.
        let resetBy: Direction? = resetByTarget ? .serverToClient : nil
        _ = state.closeChecks(resetBy: resetBy)
        sink?.submit(
            .closed(
                id, resetBy.map { .reset(by: $0) } ?? .graceful, at: clock.now(),
                comment: "closed: " + (state.error ?? "replayed to the end")))
        onEnd(self)
    }
}

@available(*, unavailable)
extension ReplayConnection: Sendable {}

/// Holds the connection weakly for wake-ups that arrive from other loops (always executed on the
/// connection's own loop).
private final class WakeBox: @unchecked Sendable {
    weak var connection: ReplayConnection?
    /// Planned writes sent and not yet reported to the write order.
    var unreported = 0
}
