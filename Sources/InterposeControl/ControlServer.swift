import Hummingbird
import InterposeCapture
import InterposeCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The control API over HTTP: Toxiproxy's endpoints (so its clients work unchanged), Interpose's
/// own under `/interpose/`, and Prometheus metrics at `/metrics`.
///
/// ```swift
/// let server = try ControlServer(endpoint: ControlEndpoint(), registry: registry, logger: logger)
/// let task = Task { try await server.run { address in print("control API on \(address)") } }
/// ...
/// task.cancel()
/// ```
public struct ControlServer: Sendable {
    private let endpoint: ControlEndpoint
    private let registry: ProxyRegistry
    private let logger: Logger

    /// A control API for `registry`, not yet listening.
    /// - Throws: `ControlStartError` when the endpoint is reachable from other hosts without a token.
    public init(endpoint: ControlEndpoint, registry: ProxyRegistry, logger: Logger) throws(ControlStartError) {
        try endpoint.validate()
        self.endpoint = endpoint
        self.registry = registry
        self.logger = logger
    }

    /// Listens and answers until the task is cancelled, then finishes the requests in progress.
    /// - Parameter onReady: called once listening, with the bound address.
    /// - Throws: `ControlStartError` when the address cannot be bound.
    public func run(onReady: @escaping @Sendable (SocketAddress) async -> Void) async throws {
        ControlMetrics.bootstrap()
        let router = ControlRoutes.router(registry: registry, token: endpoint.token)
        var serverLogger = logger
        // Hummingbird's own lines (started, per-request) only when debugging.
        serverLogger.logLevel = logger.logLevel <= .debug ? logger.logLevel : .warning
        let address = endpoint.address
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: Int(address.port)), serverName: "interpose"),
            onServerRunning: { channel in
                if let local = channel.localAddress { await onReady(local) }
            },
            logger: serverLogger)
        let group = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: serverLogger))
        do {
            // Cancelling stops it gracefully: requests in progress finish, idle connections close.
            // The group runs in a task of its own that is never cancelled: cancelling would cut
            // Hummingbird short (and make it log errors) instead of shutting it down gracefully.
            let running = Task { try await group.run() }
            try await withTaskCancellationHandler {
                try await running.value
            } onCancel: {
                Task { await group.triggerGracefulShutdown() }
            }
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return }
            throw ControlStartError("cannot listen on \(address) for --control: \(error)")
        }
    }
}
