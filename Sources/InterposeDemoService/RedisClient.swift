import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// The demo service's Redis client: one short connection per command, with a connect timeout
/// and a reply timeout, so a slow or absent Redis costs a request at most a few seconds.
///
/// One connection per command keeps it obviously correct (no pipelining state to share between
/// requests); the demo's load is a few dozen requests.
public struct RedisClient: Sendable {
    /// The server's host (a numeric address or a name).
    public var host: String
    /// The server's port.
    public var port: Int
    /// How long connecting may take.
    public var connectTimeout: TimeAmount
    /// How long the reply may take once connected.
    public var replyTimeout: TimeAmount

    /// A client for the Redis server at `host:port`.
    public init(
        host: String, port: Int, connectTimeout: TimeAmount = .seconds(1),
        replyTimeout: TimeAmount = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
    }

    /// `HOST:PORT`, with IPv6 in brackets.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Sends one command and waits for its reply.
    /// - Parameters:
    ///   - arguments: the command and its arguments, e.g. `["GET", "key"]`.
    ///   - loop: the event loop the connection (and the returned future) runs on.
    /// - Returns: the reply; a Redis error reply is a successful `.error` reply.
    ///   Fails with `RedisError` when Redis cannot be reached, closes early, is too slow or answers garbage.
    public func send(_ arguments: [String], on loop: EventLoop) -> EventLoopFuture<RESPReply> {
        let promise = loop.makePromise(of: RESPReply.self)
        let address = self.address
        let replyTimeout = self.replyTimeout
        ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        RedisReplyHandler(command: arguments, promise: promise, address: address, timeout: replyTimeout)
                    )
                }
            }
            .connect(host: host, port: port)
            .whenFailure { error in
                promise.fail(RedisError.unavailable(address, reason: RedisClient.describe(error)))
            }
        return promise.futureResult
    }

    /// A short reason for a connect failure: `connection refused` rather than an `IOError` dump.
    static func describe(_ error: Error) -> String {
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return "connection refused" }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            if let dns = error.dnsAError ?? error.dnsAAAAError { return "\(dns)" }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return "connect timed out" }
        return "\(error)"
    }
}
