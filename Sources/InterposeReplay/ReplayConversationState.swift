import InterposeAnalysis
import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeProtocols
import NIOCore

/// The replay of one conversation as a state machine: the target's bytes and the clock in, what to
/// do on the connection out. No I/O: `ReplayConnection` performs the actions, tests drive it directly.
///
/// Each planned write waits until the target has sent as many responses as the recording had
/// received at that point (bytes, for a raw stream), then until its time: at `--speed N` the later of
/// the recorded offset and the recorded think time after the awaited reply, both divided by N. The
/// ending repeats the recording's: a half-close, a reset, or waiting for the server to close.
struct ReplayConversationState {
    /// What the connection must do.
    enum Action {
        /// Write these bytes.
        case send(ByteBuffer)
        /// Half-close: the client is done sending.
        case shutdownOutput
        /// Reset the connection (the recorded client did).
        case reset
        /// Close the connection: the replay of this conversation is over.
        case close
        /// Call `advance` again at this time (nanoseconds on the state's clock) unless something arrives first.
        case wake(at: Int64)
        /// Call `advance` again once these correlation values are published (`CorrelationStore.whenPublished`).
        case awaitValues([Int])
    }

    /// How a write waits for the other conversations' earlier ones (`WriteOrder`): asked before
    /// each planned write with its index (and before the client's half-close or reset, as write
    /// `steps.count`), told after it is sent. `nil` for a conversation alone.
    struct WriteGate {
        /// Whether planned write N may go at this time; when not, the shell calls `advance` again
        /// when another conversation moves on, and the state wakes itself at the wait's limit.
        var mayWrite: (_ step: Int, _ now: Int64) -> WriteOrder.Decision
        /// A planned write was sent.
        var wrote: () -> Void
    }

    private enum Phase {
        case sending
        case ending
        case awaitingServerClose
        case done
    }

    /// How much longer than the recorded server the target may take to close, in nanoseconds.
    static let closeGrace: Int64 = 1_000_000_000

    /// The plan being replayed.
    let plan: PlannedConversation
    /// The replayed traffic read as its protocol.
    private(set) var recorder: ExchangeRecorder
    /// The replayed traffic as exchanges, those whose requests were sent with live values marked.
    var replayed: RecordedConversation {
        var conversation = recorder.conversation
        for index in rewritten where index < conversation.exchanges.count {
            conversation.exchanges[index].requestRewritten = true
        }
        return conversation
    }
    /// Exchanges (by index) whose requests were in a write sent with live values.
    private var rewritten: [Int] = []
    /// Why the replay stopped early; `nil` while it runs or when it ran to the end.
    private(set) var error: String?
    /// Whether it is over.
    var isDone: Bool { if case .done = phase { return true } else { return false } }

    private let speed: ReplaySpeed
    private let timeout: Int64
    private let connection: ConnectionID
    private var phase = Phase.sending
    private var next = 0
    private let startedAt: Int64
    private var readySince: Int64?
    private var lastProgress: Int64
    private var serverClosed = false
    private var authentication: PostgresAuthentication?
    /// The checks of `interpose check` on the replayed traffic; their dissector also feeds `recorder`.
    private var check: LiveConversationCheck?
    private var dissected: [Message] = []
    private let gate: WriteGate?
    /// Findings of the checks so far.
    private(set) var findings: [Finding] = []
    /// The run's live correlation values; `nil` when the plan has no correlations.
    private let correlations: CorrelationStore?
    /// How this protocol's responses hand values out and its requests are rewritten.
    private let correlation: RequestCorrelation?
    /// Exchanges whose responses hand out correlation values and have not arrived yet, in order.
    private var pendingHandsOut: [Int]
    /// `recorder.responses` when `pendingHandsOut` was last looked at.
    private var responsesSeen = 0
    /// Since when the next write has waited for values another conversation hands out.
    private var valuesAwaitedSince: Int64?
    /// Writes due within this much are sent now rather than after a timer, in nanoseconds.
    private static let slack: Int64 = 50_000

    /// A replay about to begin.
    /// - Parameters:
    ///   - plan: what to replay.
    ///   - connection: the replayed connection's id (in its capture and findings).
    ///   - descriptor: the replayed connection's endpoints.
    ///   - speed: the pacing.
    ///   - timeout: how long to wait for the target without progress, in nanoseconds.
    ///   - now: the time the connection was established, in nanoseconds.
    ///   - postgresPasswords: the passwords for a PostgreSQL target that asks for one (`--pg-password`).
    ///   - checks: the checks to run on the replayed traffic; `nil` for none.
    ///   - gate: the order of writes across conversations; `nil` for none.
    ///   - correlations: the run's live correlation values; `nil` to send the recorded bytes.
    init(
        plan: PlannedConversation, descriptor: ConnectionDescriptor, speed: ReplaySpeed, timeout: Int64,
        now: Int64, postgresPasswords: PostgresPasswords = PostgresPasswords(), checks: LiveChecks? = nil,
        gate: WriteGate? = nil, correlations: CorrelationStore? = nil
    ) {
        self.correlations = correlations
        correlation =
            correlations == nil ? nil : ProtocolRegistry.standard.descriptor(for: plan.application).correlation
        pendingHandsOut = correlations == nil ? [] : plan.handsOut.keys.sorted()
        self.plan = plan
        self.gate = gate
        self.speed = speed
        self.timeout = timeout
        self.connection = descriptor.id
        self.startedAt = now
        self.lastProgress = now
        recorder = ExchangeRecorder(
            connection: descriptor, start: Timestamp(nanosecondsSinceEpoch: now), forced: plan.application)
        if plan.application == .postgres {
            var opening = ByteBuffer()
            for step in plan.steps.prefix(2) {
                var bytes = step.bytes
                opening.writeBuffer(&bytes)
            }
            let user = PostgresStartup.parameters(opening)["user"] ?? ""
            // A recorded client that never authenticated (it refused GSSAPI and sent Terminate) is
            // replayed as it was: the target's challenge is left to the recorded bytes.
            let startup = plan.recorded.exchanges.first { $0.summary.hasPrefix("startup") }
            let recordedAuthenticated = startup?.response?.summary.hasPrefix("authenticated") ?? true
            if recordedAuthenticated {
                authentication = PostgresAuthentication(password: postgresPasswords.password(for: user), user: user)
            }
        }
        if let checks {
            check = LiveConversationCheck(
                connection: descriptor, shared: checks, forced: plan.application, keepsContent: true)
        }
    }

    /// The checks' last findings, once the connection closed.
    mutating func closeChecks(resetBy: Direction?) -> [Finding] {
        guard check != nil else { return [] }
        let last = check!.close(resetBy: resetBy)
        findings += last
        check = nil
        return last
    }

    /// One frame of the replayed traffic: read once, by the checks when there are some (their
    /// messages go to the recorder) or by the recorder alone.
    private mutating func observe(_ frame: Frame) {
        guard check != nil else {
            recorder.consume(frame)
            return
        }
        findings += check!.consume(frame) { dissected.append($0) }
        recorder.consume(frame, dissected: dissected)
        dissected.removeAll(keepingCapacity: true)
    }

    /// The target sent bytes.
    mutating func received(_ bytes: ByteBuffer, at now: Int64) -> [Action] {
        observe(frame(.serverToClient, .data(bytes), at: now))
        lastProgress = now
        if !pendingHandsOut.isEmpty, recorder.responses != responsesSeen { publishHandedOut() }
        var actions: [Action] = []
        switch authentication?.received(bytes) {
        case .send(let answer):
            let buffer = ByteBuffer(bytes: answer)
            observe(frame(.clientToServer, .data(buffer), at: now))
            actions.append(.send(buffer))
        case .fail(let reason):
            error = reason
            return finish(with: .close)
        case .proceed, nil:
            break
        }
        return actions + advance(at: now)
    }

    /// The target half-closed or closed its side.
    mutating func serverFinished(at now: Int64) -> [Action] {
        guard !serverClosed else { return [] }
        serverClosed = true
        observe(frame(.serverToClient, .finish, at: now))
        return advance(at: now)
    }

    /// The connection failed or was closed under us (reset, error).
    mutating func failed(_ reason: String, at now: Int64) -> [Action] {
        guard !isDone else { return [] }
        if error == nil, !isComplete { error = reason }
        phase = .done
        recorder.finish()
        abandonHandsOut()
        return [.close]
    }

    /// Moves on as far as the replies received and the clock allow.
    mutating func advance(at now: Int64) -> [Action] {
        var actions: [Action] = []
        while true {
            switch phase {
            case .done:
                return actions
            case .sending:
                guard next < plan.steps.count else {
                    phase = .ending
                    continue
                }
                let step = plan.steps[next]
                // The recording waited from the write before until the awaited answers were in.
                let recordedWait = step.awaitedAt - (next > 0 ? plan.steps[next - 1].offset : 0)
                guard
                    let due = dueTime(
                        responses: step.awaitResponses, serverBytes: step.awaitServerBytes, offset: step.offset,
                        awaitedAt: step.awaitedAt, recordedWait: recordedWait, now: now, actions: &actions)
                else { return actions }
                guard due <= now + Self.slack else { return actions + [.wake(at: due)] }
                // Another conversation has not yet sent or received what it had well before this in
                // the recording: it calls us back, or the wait's limit comes.
                if let wait = gateWait(next, now) { return actions + wait }
                if !step.correlations.isEmpty, let correlations, !correlations.arePublished(step.correlations) {
                    // The recorded client had these values when it wrote: wait for them, within the timeout.
                    if valuesAwaitedSince == nil { valuesAwaitedSince = now }
                    if now - valuesAwaitedSince! < timeout {
                        return actions + [.awaitValues(step.correlations), .wake(at: valuesAwaitedSince! + timeout)]
                    }
                }
                valuesAwaitedSince = nil
                let (bytes, changed) = outgoing(step)
                actions.append(.send(bytes))
                let before = recorder.conversation.exchanges.count
                observe(frame(.clientToServer, .data(bytes), at: now))
                if changed {
                    // The requests this write began or completed (the next one, when it completed none).
                    rewritten += Array(before..<Swift.max(before + 1, recorder.conversation.exchanges.count))
                }
                gate?.wrote()
                next += 1
                readySince = nil
                lastProgress = now
            case .ending:
                switch plan.ending {
                case .clientFinish(let offset, let responses, let serverBytes),
                    .clientReset(let offset, let responses, let serverBytes):
                    guard
                        let due = dueTime(
                            responses: responses, serverBytes: serverBytes, offset: offset,
                            awaitedAt: plan.steps.last?.offset ?? 0,
                            recordedWait: offset - (plan.steps.last?.offset ?? 0),
                            now: now, actions: &actions)
                    else { return actions }
                    guard due <= now + Self.slack else { return actions + [.wake(at: due)] }
                    // The recorded client ended it after what other conversations sent before.
                    if let wait = gateWait(plan.steps.count, now) { return actions + wait }
                    gate?.wrote()
                    lastProgress = now
                    if case .clientReset = plan.ending {
                        return actions + finish(with: .reset)
                    }
                    actions.append(.shutdownOutput)
                    observe(frame(.clientToServer, .finish, at: now))
                    phase = .awaitingServerClose
                case .serverClose, .open:
                    guard
                        dueTime(
                            responses: plan.responses, serverBytes: plan.serverBytes, offset: 0, awaitedAt: 0,
                            recordedWait: plan.lastResponseOffset - (plan.steps.last?.offset ?? 0), now: now,
                            actions: &actions) != nil
                    else { return actions }
                    if case .open = plan.ending { return actions + finish(with: .close) }
                    phase = .awaitingServerClose
                }
            case .awaitingServerClose:
                // As long as the recorded server took to close, and a little more: a close the
                // recording had for a reason the replay does not reproduce (another client killed
                // the connection) must not hold the replay for the whole timeout.
                let limit = Swift.min(timeout, plan.serverCloseWait + Self.closeGrace)
                if serverClosed || now - lastProgress >= limit {
                    return actions + finish(with: .close)
                }
                return actions + [.wake(at: lastProgress + limit)]
            }
        }
    }

    /// Publishes the values of the responses that arrived and hand correlation values out.
    private mutating func publishHandedOut() {
        responsesSeen = recorder.responses
        let exchanges = recorder.conversation.exchanges
        let (correlations, correlation, handsOut) = (self.correlations, self.correlation, plan.handsOut)
        pendingHandsOut.removeAll { exchange in
            guard exchange < exchanges.count, let response = exchanges[exchange].response,
                let ids = handsOut[exchange]
            else { return false }
            correlations?.publish(ids, from: correlation?.values(response.content) ?? [])
            return true
        }
    }

    /// A step's bytes with the live values of its correlations in place of the recorded ones.
    /// - Returns: the bytes, and whether they differ from the recorded ones.
    private func outgoing(_ step: ReplayStep) -> (ByteBuffer, Bool) {
        guard !step.correlations.isEmpty, let correlations, let correlation else { return (step.bytes, false) }
        let substitutions = correlations.substitutions(for: step.correlations)
        guard !substitutions.isEmpty else { return (step.bytes, false) }
        let recorded = step.bytes.readableBytesView.map { $0 }
        let rewrite = correlation.rewrite(recorded, substitutions)
        return (ByteBuffer(bytes: rewrite.bytes), rewrite.count > 0)
    }

    /// When a write waiting for `responses` (or `serverBytes`) may go: `nil` (with a wake-up or the end
    /// appended to `actions`) while the target has not answered that far.
    /// - Parameter recordedWait: how long the recording waited for those answers: the wait allowed
    ///   without progress is the timeout plus that, so a response the recorded server took 20 s
    ///   for is not given up on after 10.
    private mutating func dueTime(
        responses: Int, serverBytes: Int64, offset: Int64, awaitedAt: Int64, recordedWait: Int64, now: Int64,
        actions: inout [Action]
    ) -> Int64? {
        let answered =
            plan.application == .raw
            ? recorder.serverBytes >= serverBytes : recorder.responses >= responses
        guard answered else {
            if serverClosed {
                error = "the target closed the connection after \(recorder.responses) of \(plan.responses) responses"
                actions += finish(with: .close)
            } else if now - lastProgress >= timeout + Swift.max(0, recordedWait) {
                let waited = Double(timeout + Swift.max(0, recordedWait)) / 1e9
                error =
                    "no response from the target for \(ReportFormatting.fixed(waited, waited < 10 ? 1 : 0)) s "
                    + "(\(recorder.responses) of \(plan.responses) responses received)"
                actions += finish(with: .close)
            } else {
                actions.append(.wake(at: lastProgress + timeout + Swift.max(0, recordedWait)))
            }
            return nil
        }
        if readySince == nil { readySince = now }
        return Swift.max(startedAt + speed.scale(offset), readySince! + speed.scale(offset - awaitedAt))
    }

    /// `nil` when write `step` may go now, else what to do meanwhile.
    private func gateWait(_ step: Int, _ now: Int64) -> [Action]? {
        switch gate?.mayWrite(step, now) ?? .go {
        case .go: return nil
        case .wait(let until): return [.wake(at: until)]
        }
    }

    private mutating func finish(with action: Action) -> [Action] {
        phase = .done
        recorder.finish()
        abandonHandsOut()
        return [action]
    }

    /// The values this conversation was still to hand out will not come: writes waiting for them go on.
    private mutating func abandonHandsOut() {
        guard let correlations, !pendingHandsOut.isEmpty else { return }
        if recorder.responses != responsesSeen { publishHandedOut() }
        correlations.abandon(pendingHandsOut.flatMap { plan.handsOut[$0] ?? [] })
        pendingHandsOut = []
    }

    /// Whether every write was sent and every response arrived.
    private var isComplete: Bool {
        next >= plan.steps.count
            && (plan.application == .raw
                ? recorder.serverBytes >= plan.serverBytes : recorder.responses >= plan.responses)
    }

    private func frame(_ direction: Direction, _ event: Frame.Event, at now: Int64) -> Frame {
        Frame(
            connection: connection, direction: direction, timestamp: Timestamp(nanosecondsSinceEpoch: now), event: event
        )
    }
}
