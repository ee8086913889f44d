import InterposeCapture
import InterposeCore
import Logging
import NIOCore

/// A whole `interpose proxy` run with many proxies (`--control`, `--config`, `--capture-dir`):
/// start the proxies and the control API, run until told to stop, drain within the grace period,
/// complete the captures, and sum it all up.
///
/// Start-up is all or nothing: if a proxy cannot listen or the control API cannot bind, what
/// started is stopped again and the error is thrown.
public struct ControlSession: Sendable {
    /// Everything a run needs.
    public struct Options: Sendable {
        /// The control API; `nil` runs the proxies without one.
        public var control: ControlEndpoint?
        /// What every proxy shares (capture directory and settings, connect timeout, seed).
        public var settings: ProxyRegistry.Settings
        /// The proxies to start with.
        public var proxies: [ProxySpec]
        /// How long open connections may go on after a stop request.
        public var grace: TimeAmount

        /// Options for a run.
        public init(
            control: ControlEndpoint?, settings: ProxyRegistry.Settings, proxies: [ProxySpec], grace: TimeAmount
        ) {
            self.control = control
            self.settings = settings
            self.proxies = proxies
            self.grace = grace
        }
    }

    /// What is listening once the run has started.
    public struct Ready: Sendable {
        /// The proxies, with their bound addresses.
        public var proxies: [ProxyView]
        /// The control API's bound address, when it runs.
        public var control: SocketAddress?
    }

    private let options: Options
    private let logger: Logger

    /// A run with these options; nothing starts until `run`.
    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Runs until `stopRequested` returns, then shuts everything down.
    /// - Parameters:
    ///   - onReady: called once everything listens.
    ///   - stopRequested: suspends until the run should stop.
    /// - Returns: what each proxy did.
    /// - Throws: `ControlStartError` (control API), `ControlError` (a proxy) when start-up fails.
    public func run(
        onReady: @Sendable (Ready) -> Void, until stopRequested: @Sendable () async -> Void
    ) async throws -> RegistrySummary {
        if let directory = options.settings.captureDirectory {
            // Made (0700) or refused now, not a 500 for every proxy the API creates later.
            do {
                try PrivateDirectory.create(directory)
            } catch {
                throw ControlStartError("--capture-dir \(directory): \(error.reason)")
            }
        }
        let registry = ProxyRegistry(settings: options.settings, logger: logger)
        let control = try options.control.map { endpoint throws(ControlStartError) in
            try ControlServer(endpoint: endpoint, registry: registry, logger: logger)
        }
        do {
            for spec in options.proxies { try await registry.create(spec) }
        } catch {
            _ = await registry.shutdown(grace: .zero)
            throw error
        }
        var controlTask: Task<Void, Error>?
        var controlAddress: SocketAddress?
        if let control {
            let (addresses, continuation) = AsyncStream<SocketAddress>.makeStream()
            let task = Task {
                defer { continuation.finish() }
                try await control.run { continuation.yield($0) }
            }
            var iterator = addresses.makeAsyncIterator()
            guard let address = await iterator.next() else {
                _ = await registry.shutdown(grace: .zero)
                try await task.value
                throw ControlStartError("the control API stopped before it listened")
            }
            controlTask = task
            controlAddress = address
        }
        onReady(Ready(proxies: await registry.list(), control: controlAddress))
        await stopRequested()
        controlTask?.cancel()
        _ = await controlTask?.result
        return await registry.shutdown(grace: options.grace)
    }
}
