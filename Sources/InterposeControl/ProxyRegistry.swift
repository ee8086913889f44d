import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeFaults
import InterposeProxy
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Many named proxies in one process, created, changed and deleted while it runs: what the
/// control API and the config file act on.
///
/// Changes run one at a time (a create that is still binding is never seen half-made by a delete);
/// reads see the state between changes.
///
/// ```swift
/// let registry = ProxyRegistry(settings: .init(captureDirectory: "/tmp/captures"), logger: logger)
/// _ = try await registry.create(ProxySpec(name: "redis", listen: listen, upstream: upstream))
/// try await registry.update("redis", enabled: false)   // down: refuses and resets connections
/// try await registry.update("redis", enabled: true)    // up again on the same address
/// let summary = await registry.shutdown(grace: .seconds(5))
/// ```
public actor ProxyRegistry {
    /// What every proxy of the registry shares.
    public struct Settings: Sendable {
        /// Each proxy without a capture file of its own records to `DIR/<name>.pcapng`; `nil`: none.
        public var captureDirectory: String?
        /// How captures are written (the path is set per proxy).
        public var captureTemplate: CaptureSink.Configuration
        /// How long to wait for an upstream connection.
        public var connectTimeout: TimeAmount
        /// The seed of the faults' random choices; `nil` for a random one.
        public var faultSeed: UInt64?
        /// Whether captures record `*` in place of the credentials protocols mark; `false` with
        /// `--no-redact`.
        public var redactsCredentials = true

        /// Settings: no capture directory, captures with the sink's defaults, a 5 s connect timeout.
        public init(
            captureDirectory: String? = nil, captureTemplate: CaptureSink.Configuration = .init(path: ""),
            connectTimeout: TimeAmount = .seconds(5), faultSeed: UInt64? = nil
        ) {
            self.captureDirectory = captureDirectory
            self.captureTemplate = captureTemplate
            self.connectTimeout = connectTimeout
            self.faultSeed = faultSeed
        }
    }

    private let settings: Settings
    private let logger: Logger
    private var proxies: [String: ManagedProxy] = [:]
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var stopped = false

    /// An empty registry; bootstraps the process's metrics system (`ControlMetrics`) if no
    /// registry did yet, so every proxy's series reach `/metrics`.
    public init(settings: Settings = Settings(), logger: Logger) {
        ControlMetrics.bootstrap()
        self.settings = settings
        self.logger = logger
    }

    // MARK: - One change at a time

    private func exclusive<T>(_ body: () async throws(ControlError) -> T) async throws(ControlError) -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        guard !stopped else { throw ControlError(status: 503, "interpose is shutting down") }
        return try await body()
    }

    private func managed(_ name: String) throws(ControlError) -> ManagedProxy {
        guard let proxy = proxies[name] else { throw ControlError.proxyNotFound }
        return proxy
    }

    // MARK: - Proxies

    /// All proxies, by name.
    public func list() -> [ProxyView] {
        proxies.keys.sorted().map { proxies[$0]!.view }
    }

    /// One proxy.
    /// - Throws: `ControlError.proxyNotFound`.
    public func proxy(_ name: String) throws(ControlError) -> ProxyView {
        try managed(name).view
    }

    /// Creates a proxy and starts it listening when enabled.
    /// - Returns: its view, with the bound address.
    /// - Throws: `ControlError`: 409 when the name is taken, 400 for a bad name, 500 when it cannot
    ///   listen or record (nothing is left behind then).
    @discardableResult
    public func create(_ spec: ProxySpec) async throws(ControlError) -> ProxyView {
        try await exclusive { () async throws(ControlError) -> ProxyView in try await createLocked(spec) }
    }

    private func createLocked(_ spec: ProxySpec) async throws(ControlError) -> ProxyView {
        try ProxySpec.validate(name: spec.name)
        guard proxies[spec.name] == nil else { throw ControlError.proxyAlreadyExists }
        let proxy = try ManagedProxy(spec: spec, settings: settings, logger: logger)
        do throws(ControlError) {
            try await proxy.start()
        } catch {
            let statistics = await proxy.stop(grace: .zero)
            for file in statistics?.files ?? [] { unlink(file) }
            proxy.metrics.destroy()
            throw error
        }
        proxies[spec.name] = proxy
        logger.info(
            "proxy \(spec.name) created: \(proxy.view.listen) -> \(spec.upstream)\(spec.enabled ? "" : " (disabled)")")
        return proxy.view
    }

    /// Changes a proxy's listen address, upstream or enabled state (Toxiproxy's `POST /proxies/NAME`).
    ///
    /// A new listen address or upstream restarts the listener (open connections are reset);
    /// disabling stops listening and resets the open connections; enabling listens again.
    /// - Throws: `ControlError`: 404 for an unknown name, 500 when it cannot listen.
    @discardableResult
    public func update(
        _ name: String, listen: HostPort? = nil, upstream: HostPort? = nil, enabled: Bool? = nil
    ) async throws(ControlError) -> ProxyView {
        try await exclusive { () async throws(ControlError) -> ProxyView in
            let proxy = try managed(name)
            let newListen = listen ?? proxy.spec.listen
            let newUpstream = upstream ?? proxy.spec.upstream
            let listenChanged = newListen != proxy.spec.listen && newListen != proxy.boundListen
            if enabled == false { await proxy.disable() }
            if listenChanged || newUpstream != proxy.spec.upstream {
                try await proxy.move(
                    listen: listenChanged ? newListen : proxy.boundListen ?? newListen,
                    upstream: newUpstream)
            }
            if enabled == true { try await proxy.enable() }
            return proxy.view
        }
    }

    /// Deletes a proxy: stops listening, resets its connections, completes its capture.
    /// - Throws: `ControlError.proxyNotFound`.
    public func delete(_ name: String) async throws(ControlError) {
        try await exclusive { () async throws(ControlError) in
            let proxy = try managed(name)
            proxies[name] = nil
            await proxy.stop(grace: .zero)
            proxy.metrics.destroy()
            logger.info("proxy \(name) deleted")
        }
    }

    /// Enables every proxy and removes every toxic (Toxiproxy's `POST /reset`).
    /// - Throws: `ControlError` (500) when a proxy cannot listen again.
    public func reset() async throws(ControlError) {
        try await exclusive { () async throws(ControlError) in
            for name in proxies.keys.sorted() {
                let proxy = proxies[name]!
                proxy.toxics.removeAll()
                try await proxy.enable()
            }
        }
    }

    /// Creates or replaces proxies from a list (Toxiproxy's `POST /populate`): a proxy whose name
    /// exists with the same listen address and upstream is kept as it is (toxics included), one
    /// with other addresses is replaced, a new one is created. Stops at the first failure.
    /// - Returns: the proxies populated so far, in the list's order, and the error that stopped it.
    public func populate(_ specs: [ProxySpec]) async -> (proxies: [ProxyView], error: ControlError?) {
        do throws(ControlError) {
            return try await exclusive { () async throws(ControlError) -> ([ProxyView], ControlError?) in
                var views: [ProxyView] = []
                for spec in specs {
                    if let existing = proxies[spec.name] {
                        let sameListen = existing.spec.listen == spec.listen || existing.boundListen == spec.listen
                        if sameListen && existing.spec.upstream == spec.upstream {
                            views.append(existing.view)
                            continue
                        }
                        proxies[spec.name] = nil
                        await existing.stop(grace: .zero)
                        existing.metrics.destroy()
                    }
                    do throws(ControlError) {
                        views.append(try await createLocked(spec))
                    } catch {
                        return (views, error)
                    }
                }
                return (views, nil)
            }
        } catch {
            return ([], error)
        }
    }

    // MARK: - Toxics

    /// A proxy's toxics.
    /// - Throws: `ControlError.proxyNotFound`.
    public func toxics(of name: String) throws(ControlError) -> [Toxic] {
        try managed(name).toxics.toxics
    }

    /// One toxic of a proxy.
    /// - Throws: `ControlError.proxyNotFound` or `.toxicNotFound`.
    public func toxic(_ toxicName: String, of name: String) throws(ControlError) -> Toxic {
        guard let toxic = try managed(name).toxics.toxics.first(where: { $0.name == toxicName }) else {
            throw ControlError.toxicNotFound
        }
        return toxic
    }

    /// Adds a toxic to a proxy; it applies to new data at once.
    /// - Throws: `ControlError`: 404 unknown proxy, 409 a toxic of that name exists, 400 invalid.
    @discardableResult
    public func addToxic(_ toxic: Toxic, to name: String) throws(ControlError) -> Toxic {
        let set = try managed(name).toxics
        if set.toxics.contains(where: { $0.name == toxic.name }) { throw ControlError.toxicAlreadyExists }
        do throws(ToxicError) {
            try set.add(toxic)
        } catch {
            if set.toxics.contains(where: { $0.name == toxic.name }) { throw ControlError.toxicAlreadyExists }
            throw ControlError(status: 400, error.description)
        }
        return toxic
    }

    /// Changes a toxic's toxicity and attributes (given attributes replace those of the same key;
    /// Toxiproxy's `POST /proxies/NAME/toxics/TOXIC`).
    /// - Throws: `ControlError`: 404 unknown proxy or toxic, 400 invalid values.
    @discardableResult
    public func updateToxic(
        _ toxicName: String, of name: String, toxicity: Double?, attributes: [String: ToxicAttribute]
    ) throws(ControlError) -> Toxic {
        var toxic = try self.toxic(toxicName, of: name)
        if let toxicity { toxic.toxicity = toxicity }
        toxic.attributes.merge(attributes) { _, given in given }
        let set = try managed(name).toxics
        do {
            try set.update(toxic)
        } catch {
            throw ControlError(status: 400, error.description)
        }
        return toxic
    }

    /// Removes a toxic from a proxy.
    /// - Throws: `ControlError.proxyNotFound` or `.toxicNotFound`.
    public func removeToxic(_ toxicName: String, from name: String) throws(ControlError) {
        guard try managed(name).toxics.remove(named: toxicName) else { throw ControlError.toxicNotFound }
    }

    // MARK: - What Interpose adds

    /// A proxy's open connections.
    /// - Throws: `ControlError.proxyNotFound`.
    public func connections(of name: String) throws(ControlError) -> [ProxyConnectionInfo] {
        try managed(name).server.connections
    }

    /// A proxy's checks, when they run: counts by severity and by code, and the latest findings.
    /// - Throws: `ControlError.proxyNotFound`.
    public func checks(of name: String) throws(ControlError) -> LiveChecks? {
        try managed(name).checks
    }

    /// A proxy's capture statistics so far; `nil` when it records nothing.
    /// - Throws: `ControlError.proxyNotFound`.
    public func capture(of name: String) throws(ControlError) -> CaptureStatistics? {
        try managed(name).sink?.statistics
    }

    /// A proxy's counters over its whole life.
    /// - Throws: `ControlError.proxyNotFound`.
    public func statistics(of name: String) throws(ControlError) -> ProxyStatistics.Snapshot {
        try managed(name).statistics
    }

    /// Every metric of the process in Prometheus text, the proxies' series brought up to date first.
    public func metricsText() -> String {
        for proxy in proxies.values { proxy.updateMetrics() }
        return ControlMetrics.render()
    }

    // MARK: - The end

    /// Stops every proxy: no new connections, open ones may finish within `grace` and are reset
    /// after it; captures are completed. Later changes are refused.
    /// - Returns: what each proxy did.
    public func shutdown(grace: TimeAmount) async -> RegistrySummary {
        let stopping: [ManagedProxy]
        do throws(ControlError) {
            stopping = try await exclusive { () async throws(ControlError) -> [ManagedProxy] in
                stopped = true
                return proxies.keys.sorted().map { proxies[$0]! }
            }
        } catch {
            return RegistrySummary(proxies: [])
        }
        let parts = stopping.map { ($0.spec.name, $0.server, $0.sink, $0.checks, $0.retiredStatistics) }
        let results = await withTaskGroup(of: (Int, RegistrySummary.ProxyResult).self) { group in
            for (index, (name, server, sink, checks, retired)) in parts.enumerated() {
                group.addTask {
                    let aborted = await server.shutdown(grace: grace)
                    let capture = sink?.close()
                    var result = RegistrySummary.ProxyResult(
                        name: name, statistics: retired + server.statistics.snapshot, capture: capture,
                        abortedAtShutdown: aborted)
                    if let checks {
                        result.summaryFindings = checks.summary().findings
                        result.findingCounts = checks.counts
                    }
                    return (index, result)
                }
            }
            var results: [(Int, RegistrySummary.ProxyResult)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return RegistrySummary(proxies: results)
    }
}
