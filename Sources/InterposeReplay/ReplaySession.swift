import InterposeAnalysis
import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeTLS
import NIOCore
import NIOPosix

/// One `interpose replay`: the plan replayed against the target and, concurrently, against a
/// baseline (a second instance of the old build) whose differences from the recording are noise;
/// `runs` baseline runs in all (the later ones after the first pair).
///
/// ```swift
/// var settings = ReplaySession.Settings(target: try HostPort(parsing: "127.0.0.1:8081", what: "--target"))
/// settings.baseline = try HostPort(parsing: "127.0.0.1:8080", what: "--baseline")
/// let outcome = try ReplaySession.run(plan, settings: settings)
/// ```
public enum ReplaySession {
    /// What `interpose replay` was asked to do.
    public struct Settings: Sendable {
        /// The new build.
        public var target: HostPort
        /// A second instance of the old build; `nil` for none.
        public var baseline: HostPort?
        /// How many times to replay against the baseline (`--runs`).
        public var runs = 1
        /// The pacing.
        public var speed: ReplaySpeed = .factor(1)
        /// At most this many connections at once per server; `nil` for as many as the recording had.
        public var connections: Int?
        /// How long to wait without progress before giving up on a conversation.
        public var responseTimeout: TimeAmount = .seconds(10)
        /// Where to record the replay against the target (`--capture`); `nil` for nowhere.
        public var capturePath: String?
        /// Whether to run the protocol checks on the replayed traffic.
        public var checks = true
        /// The password for PostgreSQL targets that ask for a cleartext one.
        public var postgresPasswords = PostgresPasswords()
        /// `--tls`: connect to the target and the baseline over TLS with this client; `nil` for plain TCP.
        public var tls: TLSClient?
        /// `--tls-server-name`: the name sent as SNI and checked against the certificate; `nil` for each
        /// server's own host.
        public var tlsServerName: String?

        /// Settings for a target.
        public init(target: HostPort) {
            self.target = target
        }
    }

    /// What the runs produced.
    public struct Outcome: Sendable {
        /// The replay against the target.
        public var target: ReplayRun
        /// The replays against the baseline (empty without one).
        public var baselines: [ReplayRun]
        /// The checks' conversation-spanning findings on the target's traffic (version drift, ...).
        public var summaryFindings: [Finding]
        /// The same for each baseline run (empty without checks).
        public var baselineSummaryFindings: [[Finding]] = []
        /// What the capture of the target's traffic lost, when one was written.
        public var capture: CaptureStatistics?
    }

    /// Replays a plan against the target (and the baseline), waiting until all runs end.
    /// - Throws: `ReplayError` when a server cannot be resolved or refuses the first connection;
    ///   `CaptureError` when the capture file cannot be written.
    public static func run(_ plan: ReplayPlan, settings: Settings) throws -> Outcome {
        // One loop per core: connections are spread over them (a single loop was the bottleneck at
        // `--speed max`, its thread descheduled at every write that woke the server).
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))
        defer { try? group.syncShutdownGracefully() }
        let sink = try settings.capturePath.map {
            var configuration = CaptureSink.Configuration(path: $0)
            configuration.overflow = .block
            configuration.sectionComment = "interpose replay against \(settings.target)"
            return try CaptureSink(configuration: configuration)
        }
        let checks = settings.checks ? LiveChecks() : nil
        var targetSettings = try engineSettings(settings.target, settings, role: .target)
        targetSettings.capture = sink
        targetSettings.checks = checks
        let loops = Array(group.makeIterator())
        let targetRun = ReplayEngine.run(plan, settings: targetSettings, on: loops[0], connections: group)
        var baselines: [ReplayRun] = []
        var failure: Error?
        var baselineSummaries: [[Finding]] = []
        if let baseline = settings.baseline {
            // Each baseline run is checked too: what the old build does wrong is not the new one's fault.
            var baselineSettings = try engineSettings(baseline, settings, role: .baseline)
            var baselineChecks = settings.checks ? LiveChecks() : nil
            baselineSettings.checks = baselineChecks
            let first = ReplayEngine.run(plan, settings: baselineSettings, on: loops[1], connections: group)
            do {
                baselines.append(try first.wait())
                baselineSummaries.append(baselineChecks?.summary().findings ?? [])
            } catch { failure = error }
            if failure == nil {
                for _ in 1..<max(1, settings.runs) {
                    baselineChecks = settings.checks ? LiveChecks() : nil
                    baselineSettings.checks = baselineChecks
                    baselines.append(
                        try ReplayEngine.run(plan, settings: baselineSettings, on: loops[1], connections: group).wait())
                    baselineSummaries.append(baselineChecks?.summary().findings ?? [])
                }
            }
        }
        let target: ReplayRun
        do {
            target = try targetRun.wait()
        } catch {
            _ = sink?.close()
            throw error
        }
        let statistics = sink?.close()
        if let failure { throw failure }
        var outcome = Outcome(
            target: target, baselines: baselines, summaryFindings: checks?.summary().findings ?? [],
            capture: statistics)
        outcome.baselineSummaryFindings = baselineSummaries
        return outcome
    }

    private static func engineSettings(
        _ server: HostPort, _ settings: Settings, role: ReplayError.Role
    ) throws -> ReplayEngine.Settings {
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(server.host, port: Int(server.port))
        } catch {
            throw ReplayError.cannotResolve(server.description, role: role, reason: String(describing: error))
        }
        var engine = ReplayEngine.Settings(target: address, name: server.description)
        engine.role = role
        engine.speed = settings.speed
        engine.connections = settings.connections
        engine.responseTimeout = settings.responseTimeout
        engine.postgresPasswords = settings.postgresPasswords
        if let tls = settings.tls {
            engine.tls = ReplayEngine.TLS(client: tls, serverName: settings.tlsServerName ?? server.host)
        }
        return engine
    }
}
