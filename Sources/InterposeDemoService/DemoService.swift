import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// The project's own demo service: a small JSON-over-HTTP/1.1 API in two builds, run as the "old"
/// and the "new" build of a service by `scripts/demo` and the replay tests.
///
/// Endpoints (every body JSON, `Content-Type: application/json`, `Content-Length` framing,
/// keep-alive unless the client closes):
/// - `GET /health` → `{"status":"ok"}`
/// - `GET /users/{id}` (ids 1...20) → `{"id","name","email","plan","served_at","request_id"}` with an
///   `X-Request-Id` header equal to `request_id`; another id → 404 `{"error":"no such user","id":...}`
/// - `GET /users[?plan=PLAN]` → `{"users":[...],"served_at":...}`
/// - `POST /counters/{name}` → Redis `INCR demo:counter:{name}` → `{"name","value","served_at"}`
/// - `GET /counters/{name}` → Redis `GET` (0 when absent), same shape.
///   Without Redis, or when Redis refuses or times out: 503 `{"error":"redis unavailable",...}`.
///
/// **The two builds answer identically except for one deliberate change:** in build 2,
/// `GET /users/7` (and only that request) answers `"plan":"enterprise"` where build 1 answers
/// `"plan":"free"`. The list endpoint is the same in both builds. No answer names the build.
///
/// Noise, different in every answer of either build: `served_at` (the wall clock, ISO 8601 with
/// milliseconds), `request_id` and `X-Request-Id` (a random UUID per request), and `Date`.
///
/// ```swift
/// let service = DemoService(settings: .init(host: "127.0.0.1", port: 0, build: 2, redis: ("127.0.0.1", 6379)))
/// let port = try await service.start()
/// ...
/// await service.stop()
/// ```
public struct DemoService: Sendable {
    /// Where to listen, which build to be, and where Redis is.
    public struct Settings: Sendable {
        /// The address to listen on, e.g. `127.0.0.1`.
        public var host: String
        /// The port to listen on; 0 picks a free one (`start()` returns it).
        public var port: Int
        /// 1 (the baseline) or 2 (with the planted change).
        public var build: Int
        /// The Redis server for the counter endpoints; `nil` answers them with 503.
        public var redis: (host: String, port: Int)?

        /// Settings for one instance.
        public init(host: String = "127.0.0.1", port: Int = 0, build: Int, redis: (host: String, port: Int)? = nil) {
            self.host = host
            self.port = port
            self.build = build
            self.redis = redis
        }
    }

    /// The settings this service was made with.
    public let settings: Settings
    private let group: EventLoopGroup
    private let channels = ChannelRegistry()

    /// A service that is not yet listening.
    /// - Parameters:
    ///   - settings: address, build and Redis.
    ///   - group: the event loops connections run on.
    public init(settings: Settings, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.group = group
    }

    /// Binds the listening socket and starts answering.
    /// - Returns: the bound port (the real one when the settings asked for port 0).
    /// - Throws: `DemoServiceError` for a build other than 1 or 2, or an address that cannot be bound.
    @discardableResult
    public func start() async throws -> Int {
        guard let build = DemoBuild(rawValue: settings.build) else {
            throw DemoServiceError.unknownBuild(settings.build)
        }
        let responder = DemoResponder(
            build: build, redis: settings.redis.map { RedisClient(host: $0.host, port: $0.port) })
        let channels = self.channels
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                guard channels.add(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try pipeline.addHandler(DemoHTTPHandler(responder: responder))
                }
            }
        let address =
            settings.host.contains(":") ? "[\(settings.host)]:\(settings.port)" : "\(settings.host):\(settings.port)"
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: settings.host, port: settings.port).get()
        } catch let error as IOError {
            throw DemoServiceError.cannotListen(address, reason: DemoService.describe(error))
        } catch {
            throw DemoServiceError.cannotListen(address, reason: "\(error)")
        }
        channels.setServer(channel)
        guard let port = channel.localAddress?.port else {
            throw DemoServiceError.cannotListen(address, reason: "the socket has no local address")
        }
        return port
    }

    /// Stops listening and closes every open connection.
    public func stop() async {
        let (server, connections) = channels.takeAll()
        try? await server?.close()
        for connection in connections {
            try? await connection.close()
        }
    }

    /// `address already in use` rather than `bind(descriptor:ptr:bytes:): Address already in use (errno: 98)`.
    static func describe(_ error: IOError) -> String {
        String(cString: strerror(error.errnoCode)).lowercased()
    }
}
