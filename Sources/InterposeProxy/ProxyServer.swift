import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeFaults
import InterposeTLS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One listening proxy: accepts clients, connects each to the upstream, forwards every byte
/// unchanged in both directions, and records what crossed into a capture sink.
///
/// ```swift
/// let proxy = ProxyServer(configuration: .init(listen: listen, upstream: upstream),
///                         group: MultiThreadedEventLoopGroup.singleton, sink: sink, logger: logger)
/// let bound = try await proxy.start()
/// ...
/// await proxy.shutdown(grace: .seconds(5))
/// ```
public final class ProxyServer: Sendable {
    /// What to listen on and where to forward.
    public struct Configuration: Sendable {
        /// The proxy's name (`default` for the single proxy of `--listen`): the label of its metrics
        /// and its key in the control API.
        public var name: String
        /// The address clients connect to.
        public var listen: HostPort
        /// The service every connection is forwarded to.
        public var upstream: HostPort
        /// How long to wait for the upstream connection before closing the client.
        public var connectTimeout: TimeAmount
        /// With `--capture-overflow block`: stop reading while the capture queue is full.
        public var blockOnCaptureOverflow: Bool
        /// With `--check`: the protocol checks run on every connection as it happens; `nil` runs none.
        public var checks: LiveChecks?
        /// The faults applied to this proxy's connections, changed at run time by the control API.
        public var toxics: ToxicSet
        /// The seed of the faults' random choices (`--seed`): the same seed, the same faults;
        /// `nil` for a random one.
        public var faultSeed: UInt64?
        /// Transparent mode (`--transparent`): each connection goes to its original destination, as
        /// an iptables/nftables `REDIRECT` rule left it (`SO_ORIGINAL_DST`), and `upstream` is unused.
        public var transparent: Bool
        /// `--mark N`: the `SO_MARK` of every upstream socket, so a netfilter rule can leave the
        /// proxy's own connections alone; `nil` sets none. Needs CAP_NET_ADMIN.
        public var upstreamMark: UInt32?
        /// `--tls-intercept`: clients' TLS is terminated with certificates from this interceptor's CA
        /// and the upstream is reached over TLS; what is recorded is the plaintext. `nil` forwards
        /// bytes as they are.
        public var tls: TLSInterceptor?
        /// `--capture-encrypted`: with `tls`, the encrypted bytes of both legs and the keys that
        /// decrypt them are recorded here; `nil` records none.
        public var encryptedSink: CaptureSink?
        /// Whether the capture records `*` in place of the credentials each protocol marks
        /// (`CredentialRedactor`); `false` with `--no-redact`. Forwarded bytes are never changed.
        public var redactsCredentials = true

        /// A transparent proxy: no fixed upstream, each connection forwarded to where it was going
        /// before a `REDIRECT` rule sent it to `listen`.
        /// - Parameters:
        ///   - listen: the address the `REDIRECT` rule sends connections to.
        ///   - mark: the `SO_MARK` of the upstream sockets, `nil` for none.
        /// - Returns: a configuration with the other settings at their defaults.
        public static func transparent(listen: HostPort, mark: UInt32?) -> Configuration {
            var configuration = Configuration(listen: listen, upstream: HostPort(host: "0.0.0.0", port: 0))
            configuration.transparent = true
            configuration.upstreamMark = mark
            return configuration
        }

        /// A configuration with a 5 s connect timeout, dropping (and counting) on capture overflow.
        public init(
            listen: HostPort, upstream: HostPort, connectTimeout: TimeAmount = .seconds(5),
            blockOnCaptureOverflow: Bool = false, checks: LiveChecks? = nil,
            toxics: ToxicSet = ToxicSet(), faultSeed: UInt64? = nil, name: String = "default"
        ) {
            self.name = name
            self.checks = checks
            self.toxics = toxics
            self.faultSeed = faultSeed
            self.transparent = false
            self.upstreamMark = nil
            self.tls = nil
            self.encryptedSink = nil
            self.listen = listen
            self.upstream = upstream
            self.connectTimeout = connectTimeout
            self.blockOnCaptureOverflow = blockOnCaptureOverflow
        }
    }

    /// What every connection of this proxy shares.
    final class SharedContext: Sendable {
        let sink: CaptureSink?
        let clock: CaptureClock
        let upstream: HostPort
        /// The upstream's address, resolved once at start when it is a name (as haproxy does without
        /// a resolvers section): resolving per connection went through happy-eyeballs connects that
        /// lost a client's early half-close.
        private let resolvedUpstream: NIOLockedValueBox<SocketAddress?>
        var upstreamAddress: SocketAddress? { resolvedUpstream.withLockedValue { $0 } }

        func resolveUpstream() async throws {
            guard upstreamAddress == nil, !transparent else { return }
            let upstream = self.upstream
            let address: SocketAddress
            do {
                address = try await NIOThreadPool.singleton.runIfActive {
                    try SocketAddress.makeAddressResolvingHost(upstream.host, port: Int(upstream.port))
                }
            } catch {
                throw ProxyError.cannotResolveUpstream(upstream, reason: "\(error)")
            }
            resolvedUpstream.withLockedValue { $0 = address }
        }
        let connectTimeout: TimeAmount
        /// Transparent mode: each connection's upstream is its original destination.
        let transparent: Bool
        /// The `SO_MARK` of upstream sockets.
        let upstreamMark: UInt32?
        /// TLS interception, when on.
        let tls: TLSInterceptor?
        /// Where the encrypted bytes of intercepted connections go.
        let encryptedSink: CaptureSink?
        let blockOnCaptureOverflow: Bool
        let checks: LiveChecks?
        /// Whether the plaintext capture records the credentials protocols mark as `*`.
        let redactsCredentials: Bool
        /// The proxy's toxics, read by every connection when their generation changes.
        let toxics: ToxicSet
        /// The proxy's name, the label of its fault metrics.
        let name: String
        /// `--seed`.
        let faultSeed: UInt64?
        let statistics: ProxyStatistics
        let logger: Logger
        private let registry = NIOLockedValueBox(Registry())

        struct Registry {
            var nextID: UInt64 = 1
            var connections: [ConnectionID: NIOLoopBound<ProxyConnection>] = [:]
            var infos: [ConnectionID: ProxyConnectionInfo] = [:]
            var drained: [UInt64: CheckedContinuation<Bool, Never>] = [:]
            var nextWaiter: UInt64 = 0
        }

        init(configuration: Configuration, sink: CaptureSink?, clock: CaptureClock, logger: Logger) {
            self.sink = sink
            self.clock = clock
            self.upstream = configuration.upstream
            self.resolvedUpstream = NIOLockedValueBox(
                configuration.upstream.ipAddress.flatMap {
                    try? SocketAddress(ipAddress: $0.description, port: Int(configuration.upstream.port))
                })
            self.connectTimeout = configuration.connectTimeout
            self.transparent = configuration.transparent
            self.upstreamMark = configuration.upstreamMark
            self.tls = configuration.tls
            self.encryptedSink = configuration.tls == nil ? nil : configuration.encryptedSink
            self.blockOnCaptureOverflow = configuration.blockOnCaptureOverflow
            self.checks = configuration.checks
            self.redactsCredentials = configuration.redactsCredentials
            self.toxics = configuration.toxics
            self.name = configuration.name
            self.faultSeed = configuration.faultSeed
            self.statistics = ProxyStatistics()
            self.logger = logger
        }

        func nextConnectionID() -> ConnectionID {
            registry.withLockedValue { registry in
                let id = ConnectionID(registry.nextID)
                registry.nextID += 1
                return id
            }
        }

        func register(_ connection: ProxyConnection, on loop: EventLoop, client: SocketAddress?) {
            let bound = NIOLoopBound(connection, eventLoop: loop)
            let info = ProxyConnectionInfo(
                id: connection.id, client: client.flatMap(Endpoint.init(socketAddress:)), upstream: upstream,
                openedAt: clock.now())
            registry.withLockedValue {
                $0.connections[connection.id] = bound
                $0.infos[connection.id] = info
            }
            statistics.connectionAccepted()
        }

        func connectionEnded(_ id: ConnectionID) {
            let waiters: [CheckedContinuation<Bool, Never>] = registry.withLockedValue { registry in
                registry.connections[id] = nil
                registry.infos[id] = nil
                guard registry.connections.isEmpty else { return [] }
                let waiters = Array(registry.drained.values)
                registry.drained = [:]
                return waiters
            }
            for waiter in waiters { waiter.resume(returning: true) }
        }

        var connectionInfos: [ProxyConnectionInfo] {
            registry.withLockedValue { $0.infos.values.sorted { $0.id < $1.id } }
        }

        var openConnections: [NIOLoopBound<ProxyConnection>] {
            registry.withLockedValue { Array($0.connections.values) }
        }

        /// Waits until no connection is open, or until `timeout` has passed.
        /// - Returns: `true` when drained, `false` on timeout.
        func waitUntilDrained(timeout: TimeAmount?, on loop: EventLoop) async -> Bool {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let waiter: UInt64? = registry.withLockedValue { registry in
                    if registry.connections.isEmpty { return nil }
                    registry.nextWaiter += 1
                    registry.drained[registry.nextWaiter] = continuation
                    return registry.nextWaiter
                }
                guard let waiter else {
                    continuation.resume(returning: true)
                    return
                }
                if let timeout {
                    loop.scheduleTask(in: timeout) {
                        let timedOut = self.registry.withLockedValue { $0.drained.removeValue(forKey: waiter) }
                        timedOut?.resume(returning: false)
                    }
                }
            }
        }
    }

    /// Reads start small and grow to 256 KiB for bulk transfers: few syscalls, bounded memory.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 16384, maximum: 262_144)

    private let configuration: Configuration
    private let group: EventLoopGroup
    private let context: SharedContext
    private let serverChannel = NIOLockedValueBox<Channel?>(nil)
    /// Where `start` binds: the configured address until the first start, then the bound one, so a
    /// proxy stopped and started again (the control API's disable and enable) keeps a port 0 gave it.
    private let bindAddress: NIOLockedValueBox<HostPort>

    /// A proxy that is not yet listening.
    /// - Parameters:
    ///   - configuration: listen and upstream addresses and timeouts.
    ///   - group: the event loops connections run on.
    ///   - sink: where to record frames; `nil` records nothing.
    ///   - clock: the clock frame timestamps come from.
    ///   - logger: receives one line per connection at close.
    public init(
        configuration: Configuration, group: EventLoopGroup, sink: CaptureSink?,
        clock: CaptureClock = CaptureClock(), logger: Logger
    ) {
        self.configuration = configuration
        self.group = group
        self.context = SharedContext(configuration: configuration, sink: sink, clock: clock, logger: logger)
        self.bindAddress = NIOLockedValueBox(configuration.listen)
        if let tls = configuration.tls, let encrypted = context.encryptedSink {
            // Key-log lines come from inside the TLS library's work for one connection, on its event
            // loop (`KeyLogAttribution`); they are written before the records they decrypt.
            tls.setKeyLogListener { line in
                encrypted.submit(.tlsKeyLog(KeyLogAttribution.connection ?? ConnectionID(0), line))
            }
        }
    }

    /// The connections open now, oldest first.
    public var connections: [ProxyConnectionInfo] { context.connectionInfos }

    /// The counters of this proxy.
    public var statistics: ProxyStatistics { context.statistics }

    /// The number of connections open now.
    public var openConnectionCount: Int { context.openConnections.count }

    /// Binds the listening socket and starts accepting; after `shutdown` it binds again, to the
    /// address it had (the same port when the configuration asked for port 0).
    /// - Returns: the bound address (with the real port when the configuration asked for port 0).
    /// - Throws: `ProxyError` when the address cannot be bound.
    @discardableResult
    public func start() async throws -> SocketAddress {
        let context = self.context
        try await context.resolveUpstream()
        if let mark = context.upstreamMark { try UpstreamMark.check(mark) }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.recvAllocator, value: ProxyServer.receiveAllocator)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = ProxyConnection(
                        id: context.nextConnectionID(), clientChannel: channel, context: context)
                    context.register(connection, on: channel.eventLoop, client: channel.remoteAddress)
                    let (clientGlue, upstreamGlue) = GlueHandler.matchedPair(for: connection)
                    try connection.start(clientGlue: clientGlue, upstreamGlue: upstreamGlue)
                }
            }
        let listen = bindAddress.withLockedValue { $0 }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: listen.host, port: Int(listen.port)).get()
        } catch let error as IOError {
            throw ProxyError.cannotListen(listen, reason: ProxyConnection.describe(error))
        } catch let error as SocketAddressError {
            throw ProxyError.cannotResolve(listen, reason: "\(error)")
        } catch {
            throw ProxyError.cannotListen(listen, reason: ProxyConnection.describe(error))
        }
        serverChannel.withLockedValue { $0 = channel }
        guard let address = channel.localAddress else {
            throw ProxyError.cannotListen(listen, reason: "the socket has no local address")
        }
        if let port = address.port, let bound = UInt16(exactly: port) {
            bindAddress.withLockedValue { $0.port = bound }
        }
        return address
    }

    /// Stops accepting new connections; open ones carry on.
    public func stopAccepting() async {
        let channel = serverChannel.withLockedValue { $0 }
        try? await channel?.close()
    }

    /// Stops accepting, lets open connections finish for up to `grace`, then resets the rest.
    /// - Returns: the number of connections that had to be reset.
    @discardableResult
    public func shutdown(grace: TimeAmount) async -> Int {
        await stopAccepting()
        let context = self.context
        let finishedInTime = await context.waitUntilDrained(timeout: grace, on: group.next())
        if finishedInTime { return 0 }
        let remaining = context.openConnections
        for bound in remaining {
            bound.eventLoop.execute {
                bound.value.abort(reason: "proxy shut down after the grace period")
            }
        }
        _ = await context.waitUntilDrained(timeout: nil, on: group.next())
        return remaining.count
    }
}
