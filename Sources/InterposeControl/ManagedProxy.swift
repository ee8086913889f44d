import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeFaults
import InterposeProxy
import Logging
import NIOCore
import NIOPosix

/// One named proxy the registry owns: its listener (replaced when listen or upstream change), its
/// capture sink and checks (kept for its whole life), its toxics and its metrics.
///
/// Only the registry's actor touches it.
final class ManagedProxy {
    private(set) var spec: ProxySpec
    let toxics: ToxicSet
    let sink: CaptureSink?
    let checks: LiveChecks?
    let metrics: ProxyMetrics
    private let clock = CaptureClock()
    private let settings: ProxyRegistry.Settings
    private let logger: Logger
    private(set) var server: ProxyServer
    /// The bound address while listening, or the last one it had.
    private(set) var boundListen: HostPort?
    /// The counters of the listeners replaced so far (after listen or upstream changed).
    private(set) var retiredStatistics = ProxyStatistics.Snapshot()

    /// Makes the proxy, opening its capture; nothing listens until `start`.
    /// - Throws: `ControlError` (500) when the capture file cannot be created.
    init(spec: ProxySpec, settings: ProxyRegistry.Settings, logger: Logger) throws(ControlError) {
        self.spec = spec
        self.settings = settings
        self.logger = logger
        self.toxics = ToxicSet(spec.toxics)
        self.checks = spec.checks ? LiveChecks(forced: spec.protocolHint, portHints: spec.portProtocols) : nil
        if let path = ManagedProxy.capturePath(for: spec, settings: settings) {
            var configuration = settings.captureTemplate
            configuration.path = path
            configuration.sectionComment = "interpose proxy \(spec.name): \(spec.listen) -> \(spec.upstream)"
            configuration.onWriteError = { [logger, name = spec.name] reason in
                logger.error("proxy \(name): capture failed, recording stopped (forwarding goes on): \(reason)")
            }
            do {
                sink = try CaptureSink(configuration: configuration)
            } catch {
                throw ControlError(status: 500, "cannot create the capture of proxy \(spec.name): \(error)")
            }
        } else {
            sink = nil
        }
        metrics = ProxyMetrics(name: spec.name)
        server = ManagedProxy.makeServer(
            spec: spec, toxics: toxics, checks: checks, sink: sink, clock: clock, settings: settings,
            logger: logger)
    }

    /// The capture file of a proxy: its own, else `DIR/<name>.pcapng` under the capture directory.
    static func capturePath(for spec: ProxySpec, settings: ProxyRegistry.Settings) -> String? {
        if let capture = spec.capture { return capture }
        guard let directory = settings.captureDirectory else { return nil }
        return directory.hasSuffix("/") ? "\(directory)\(spec.name).pcapng" : "\(directory)/\(spec.name).pcapng"
    }

    private static func makeServer(
        spec: ProxySpec, toxics: ToxicSet, checks: LiveChecks?, sink: CaptureSink?, clock: CaptureClock,
        settings: ProxyRegistry.Settings, logger: Logger
    ) -> ProxyServer {
        var logger = logger
        logger[metadataKey: "proxy"] = "\(spec.name)"
        let configuration = ProxyServer.Configuration(
            listen: spec.listen, upstream: spec.upstream, connectTimeout: settings.connectTimeout,
            blockOnCaptureOverflow: settings.captureTemplate.overflow == .block, checks: checks, toxics: toxics,
            faultSeed: settings.faultSeed, name: spec.name)
        return ProxyServer(
            configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, sink: sink, clock: clock,
            logger: logger)
    }

    /// The API's view of it now.
    var view: ProxyView {
        ProxyView(
            name: spec.name, listen: (boundListen ?? spec.listen).description, upstream: spec.upstream.description,
            enabled: spec.enabled, toxics: toxics.toxics)
    }

    /// Its counters over its whole life.
    var statistics: ProxyStatistics.Snapshot { retiredStatistics + server.statistics.snapshot }

    /// Starts listening (when enabled).
    /// - Throws: `ControlError` (500) when the address cannot be bound.
    nonisolated(nonsending) func start() async throws(ControlError) {
        guard spec.enabled else { return }
        do {
            let address = try await server.start()
            if let endpoint = Endpoint(socketAddress: address) {
                boundListen = HostPort(host: endpoint.address.description, port: endpoint.port)
            }
        } catch {
            spec.enabled = false
            throw ControlError(status: 500, "proxy \(spec.name): \(error)")
        }
    }

    /// Stops listening and resets its open connections (Toxiproxy's disable).
    nonisolated(nonsending) func disable() async {
        guard spec.enabled else { return }
        spec.enabled = false
        await server.shutdown(grace: .zero)
    }

    /// Listens again on the address it had (Toxiproxy's enable).
    /// - Throws: `ControlError` (500) when the address cannot be bound again.
    nonisolated(nonsending) func enable() async throws(ControlError) {
        guard !spec.enabled else { return }
        spec.enabled = true
        try await start()
    }

    /// Moves it to a new listen address or upstream: the old listener stops and its connections are
    /// reset, a new one starts (when enabled) with the same capture, checks and toxics.
    /// - Throws: `ControlError` (500) when the new address cannot be bound; the proxy is then disabled.
    nonisolated(nonsending) func move(listen: HostPort, upstream: HostPort) async throws(ControlError) {
        await server.shutdown(grace: .zero)
        retiredStatistics = retiredStatistics + server.statistics.snapshot
        spec.listen = listen
        spec.upstream = upstream
        boundListen = nil
        server = ManagedProxy.makeServer(
            spec: spec, toxics: toxics, checks: checks, sink: sink, clock: clock, settings: settings, logger: logger)
        try await start()
    }

    /// Stops it for good: stops listening, lets connections finish within `grace`, closes the capture.
    /// - Returns: the capture's final statistics.
    @discardableResult
    nonisolated(nonsending) func stop(grace: TimeAmount) async -> CaptureStatistics? {
        await server.shutdown(grace: grace)
        return sink?.close()
    }

    /// Brings its metrics up to date.
    func updateMetrics() {
        metrics.update(
            statistics: statistics, isEnabled: spec.enabled, capture: sink?.statistics,
            findingsByCode: checks?.countsByCode ?? [:])
    }
}
