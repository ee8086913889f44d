import Hummingbird
import InterposeCapture
import Logging
import NIOCore
import NIOPosix

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

    /// Listens and answers until the task is cancelled.
    /// - Parameter onReady: called once listening, with the bound address.
    /// - Throws: `ControlStartError` when the address cannot be bound.
    public func run(onReady: @escaping @Sendable (SocketAddress) async -> Void) async throws {
        ControlMetrics.bootstrap()
        let router = ControlRoutes.router(registry: registry, token: endpoint.token)
        var serverLogger = logger
        serverLogger.logLevel = min(logger.logLevel, .warning) == .warning ? .warning : logger.logLevel
        let address = endpoint.address
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: Int(address.port)), serverName: "interpose"),
            onServerRunning: { channel in
                if let local = channel.localAddress { await onReady(local) }
            },
            logger: serverLogger)
        do {
            try await app.run()
        } catch is CancellationError {
            return
        } catch {
            if Task.isCancelled { return }
            throw ControlStartError("cannot listen on \(address) for --control: \(error)")
        }
    }
}
