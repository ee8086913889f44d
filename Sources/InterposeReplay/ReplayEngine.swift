import InterposeAnalysis
import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeProtocols
import InterposeTLS
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replays a `ReplayPlan` against one server over real connections: one connection per recorded
/// conversation, started at its recorded offset (scaled by the speed), after the conversations that
/// ended before it began in the recording, at most `connections` at a time; writes of overlapping
/// conversations keep their recorded order (`WriteOrder`).
///
/// The scheduling state lives on one event loop; the connections may be spread over a group (each
/// connection's state stays on its channel's loop and reports its end to the scheduler's loop).
///
/// ```swift
/// let plan = try ReplayPlan.read("service.pcapng")
/// let settings = ReplayEngine.Settings(target: try SocketAddress(ipAddress: "127.0.0.1", port: 8081), name: "127.0.0.1:8081")
/// let run = try ReplayEngine.run(plan, settings: settings, on: group.next()).wait()
/// ```
public enum ReplayEngine {
    /// How a run replays.
    public struct Settings: Sendable {
        /// The server to replay against.
        public var target: SocketAddress
        /// The server as the user named it, for messages.
        public var name: String
        /// Whether it is the target (the new build) or the baseline (the old build), for messages.
        public var role: ReplayError.Role = .target
        /// The pacing.
        public var speed: ReplaySpeed = .factor(1)
        /// At most this many connections at once; `nil` for as many as the recording had.
        public var connections: Int?
        /// How long to wait for the target without any progress before giving up on a conversation.
        public var responseTimeout: TimeAmount = .seconds(10)
        /// How long a connection attempt may take.
        public var connectTimeout: TimeAmount = .seconds(5)
        /// Where the replay's own traffic is recorded (`--capture`); `nil` for nowhere.
        public var capture: CaptureSink?
        /// The checks run on the replayed traffic; `nil` for none.
        public var checks: LiveChecks?
        /// The passwords for PostgreSQL targets that ask for one (`--pg-password`), by user.
        public var postgresPasswords = PostgresPasswords()
        /// TLS to the target (`--tls`); `nil` for plain TCP.
        public var tls: TLS?

        /// Settings for a target.
        public init(target: SocketAddress, name: String) {
            self.target = target
            self.name = name
        }
    }

    /// How a replay reaches a target that speaks TLS.
    public struct TLS: Sendable {
        /// Makes the connections and checks the target's certificate.
        public var client: TLSClient
        /// Sent as SNI and checked against the certificate (an address is checked, not sent).
        public var serverName: String

        /// TLS with `client` to `serverName`.
        public init(client: TLSClient, serverName: String) {
            self.client = client
            self.serverName = serverName
        }
    }

    /// Replays a plan.
    /// - Parameters:
    ///   - plan: what to replay.
    ///   - settings: against what, how fast.
    ///   - loop: the loop that schedules the run.
    ///   - connections: the loops the connections are spread over; `nil` for `loop` alone.
    /// - Returns: a future for the run, failed with `ReplayError` when the target refuses the first
    ///   connection (later refusals are per-conversation errors).
    public static func run(
        _ plan: ReplayPlan, settings: Settings, on loop: EventLoop, connections: EventLoopGroup? = nil
    ) -> EventLoopFuture<ReplayRun> {
        loop.flatSubmit {
            let runner = ReplayRunner(plan: plan, settings: settings, loop: loop, connectionGroup: connections ?? loop)
            runner.pump()
            return runner.promise.futureResult
        }
    }
}

/// The scheduling of one run on its event loop.
private final class ReplayRunner {
    let promise: EventLoopPromise<ReplayRun>
    private let plan: ReplayPlan
    private let settings: ReplayEngine.Settings
    private let loop: EventLoop
    private let connectionGroup: EventLoopGroup
    private let clock = CaptureClock()
    /// The live values of the plan's correlations in this run; `nil` when it has none.
    private let correlations: CorrelationStore?
    private let startedAt: Int64
    private var next = 0
    private var active = 0
    private var ended: [Bool]
    private var endedPrefix = 0
    private var results: [ReplayedConversation?]
    private var findings: [Finding] = []
    private var anyConnected = false
    private var failed = false
    private var timer: Scheduled<Void>?
    private let order: WriteOrder

    init(plan: ReplayPlan, settings: ReplayEngine.Settings, loop: EventLoop, connectionGroup: EventLoopGroup) {
        self.plan = plan
        self.settings = settings
        self.loop = loop
        self.connectionGroup = connectionGroup
        promise = loop.makePromise()
        correlations = plan.correlations.isEmpty ? nil : CorrelationStore(plan.correlations)
        startedAt = clock.now().nanosecondsSinceEpoch
        ended = Array(repeating: false, count: plan.conversations.count)
        results = Array(repeating: nil, count: plan.conversations.count)
        order = WriteOrder(plan: plan)
    }

    /// Starts every conversation whose turn has come; completes the run when all have ended.
    func pump() {
        guard !failed else { return }
        while next < plan.conversations.count {
            if let cap = settings.connections, active >= cap { return }
            if endedPrefix < plan.mustFollow[next] { return }
            let due = startedAt + settings.speed.scale(plan.conversations[next].startOffset)
            let now = clock.now().nanosecondsSinceEpoch
            if due > now + 50_000 {
                if timer == nil {
                    timer = loop.assumeIsolated().scheduleTask(in: .nanoseconds(due - now)) {
                        self.timer = nil
                        self.pump()
                    }
                }
                return
            }
            start(next)
            next += 1
        }
        if active == 0 {
            var run = ReplayRun(
                conversations: results.enumerated().map { index, result in
                    result ?? ReplayedConversation(planIndex: index, replayed: nil, error: "not replayed")
                },
                findings: findings, durationNanoseconds: clock.now().nanosecondsSinceEpoch - startedAt)
            run.correlations = correlations?.counts ?? []
            promise.succeed(run)
        }
    }

    private func start(_ index: Int) {
        let planned = plan.conversations[index]
        if let reason = planned.unreplayable {
            results[index] = ReplayedConversation(planIndex: index, replayed: nil, error: nil, skipped: reason)
            markEnded(index)
            return
        }
        active += 1
        order.started(index)
        let order = self.order
        let bootstrap = ClientBootstrap(group: connectionGroup)
            .connectTimeout(settings.connectTimeout)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        let runner = NIOLoopBound(self, eventLoop: loop)
        let settings = self.settings
        let clock = self.clock
        let loop = self.loop
        let correlations = self.correlations
        bootstrap.connect(to: settings.target).whenComplete { result in
            switch result {
            case .success(let channel):
                // On the channel's own loop, in the tick that connected it, before any read.
                let connection = ReplayConnection(
                    plan: planned, id: planned.recorded.descriptor.id, channel: channel, settings: settings,
                    clock: clock, order: (order, index), correlations: correlations
                ) { connection in
                    let result = connection.result
                    let findings = connection.findings
                    loop.execute { runner.value.ended(index, result.replayed, error: result.error, findings: findings) }
                }
                do {
                    if let tls = settings.tls {
                        // The conversation starts once the handshake is done, so its first exchange is
                        // timed like the recorded one (the recording is the plaintext after a handshake).
                        let handler = try tls.client.handler(
                            host: tls.serverName,
                            applicationProtocols: ProtocolRegistry.standard.descriptor(for: planned.application)
                                .alpnIdentifiers)
                        try channel.pipeline.syncOperations.addHandlers(
                            handler,
                            TLSHandshakeObserver(
                                onCompleted: { _ in connection.start() },
                                onFailed: { error in
                                    connection.failed(
                                        "the TLS handshake with the target failed: "
                                            + TLSFailureDescription.describe(error))
                                    channel.close(promise: nil)
                                }),
                            ReplayConnectionHandler(connection: connection))
                    } else {
                        try channel.pipeline.syncOperations.addHandler(ReplayConnectionHandler(connection: connection))
                        connection.start()
                    }
                } catch {
                    connection.failed("cannot set up the connection: \(error)")
                    channel.close(promise: nil)
                }
                loop.execute { runner.value.connected(channel) }
            case .failure(let error):
                loop.execute { runner.value.connectFailed(error, index: index) }
            }
        }
    }

    private func connected(_ channel: Channel) {
        anyConnected = true
        if failed { channel.close(promise: nil) }
    }

    private func ended(_ index: Int, _ replayed: RecordedConversation, error: String?, findings: [Finding]) {
        results[index] = ReplayedConversation(planIndex: index, replayed: replayed, error: error)
        self.findings += findings
        active -= 1
        order.ended(index)
        markEnded(index)
        pump()
    }

    private func connectFailed(_ error: Error, index: Int) {
        active -= 1
        order.ended(index)
        if !anyConnected {
            if !failed {
                failed = true
                timer?.cancel()
                promise.fail(ReplayError.unreachable(settings.name, role: settings.role, reason: describe(error)))
            }
            return
        }
        results[index] = ReplayedConversation(
            planIndex: index, replayed: nil,
            error: "cannot connect to the \(settings.role.rawValue): \(describe(error))")
        markEnded(index)
        pump()
    }

    private func markEnded(_ index: Int) {
        ended[index] = true
        while endedPrefix < plan.endOrder.count, ended[plan.endOrder[endedPrefix]] {
            endedPrefix += 1
        }
    }

    private func describe(_ error: Error) -> String {
        // IOError's own description repeats NIO's reason around the system's ("connection reset
        // (error set): Connection refused) (errno: 111)"); the system's words are what people check.
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if error is ChannelError, case ChannelError.connectTimeout = error {
            return "no answer within the connect timeout"
        }
        return String(describing: error)
    }
}

@available(*, unavailable)
extension ReplayRunner: Sendable {}
