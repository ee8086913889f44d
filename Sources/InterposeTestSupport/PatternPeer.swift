import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One side of a byte-exact transfer test, as a SwiftNIO handler on a real socket.
///
/// The client sends a 24-byte header (seed, client length, server length), then `clientLength`
/// pattern bytes, then FIN. The server reads the header, sends `serverLength` pattern bytes of the
/// next seed, then FIN. Each side checks every byte it receives against the pattern and that the
/// stream ends exactly there. Writes respect backpressure, so payloads of any size stream through.
public final class PatternPeer: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// How a side's transfer ended.
    public struct Outcome: Sendable, Equatable {
        /// Bytes sent (payload, without the header).
        public var sent: Int
        /// Bytes received and matched against the pattern.
        public var received: Int
        /// Bytes the side expected to receive.
        public var expected: Int
        /// The first problem seen, if any.
        public var problem: String?

        /// Whether everything arrived exactly.
        public var isExact: Bool { problem == nil && received == expected }
    }

    /// Which end this is.
    public enum Role: Sendable {
        /// Connects, sends the header.
        case client(seed: UInt64, clientLength: Int, serverLength: Int)
        /// Accepts, learns the lengths from the header.
        case server
    }

    private let role: Role
    private let promise: EventLoopPromise<Outcome>
    private var header = ByteBuffer()
    private var outgoing: PatternStream?
    private var incoming: PatternStream?
    private var toSend = 0
    private var sent = 0
    private var expected = 0
    private var received = 0
    private var problem: String?
    private var sendFinished = false
    private var inputClosed = false
    private var done = false
    private static let chunk = 64 * 1024

    /// A peer that reports its outcome through `promise`.
    public init(role: Role, promise: EventLoopPromise<Outcome>) {
        self.role = role
        self.promise = promise
    }

    public func channelActive(context: ChannelHandlerContext) {
        if case .client(let seed, let clientLength, let serverLength) = role {
            var head = context.channel.allocator.buffer(capacity: 24)
            head.writeInteger(seed)
            head.writeInteger(UInt64(clientLength))
            head.writeInteger(UInt64(serverLength))
            context.write(wrapOutboundOut(head), promise: nil)
            outgoing = PatternStream(seed: seed)
            incoming = PatternStream(seed: seed &+ 1)
            toSend = clientLength
            expected = serverLength
            pump(context: context)
        }
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if case .server = role, incoming == nil {
            var part = buffer.readSlice(length: min(24 - header.readableBytes, buffer.readableBytes))!
            header.writeBuffer(&part)
            guard header.readableBytes == 24 else { return }
            let seed = header.readInteger(as: UInt64.self)!
            expected = Int(header.readInteger(as: UInt64.self)!)
            toSend = Int(header.readInteger(as: UInt64.self)!)
            incoming = PatternStream(seed: seed)
            outgoing = PatternStream(seed: seed &+ 1)
            pump(context: context)
        }
        guard buffer.readableBytes > 0 else { return }
        if received + buffer.readableBytes > expected, problem == nil {
            problem = "received \(received + buffer.readableBytes) bytes, more than the \(expected) expected"
        }
        if problem == nil,
            let offset = buffer.readableBytesView.withContiguousStorageIfAvailable({ incoming!.verify($0) })
                ?? incoming!.verify(buffer.readableBytesView)
        {
            problem = "byte \(received + offset) differs from what was sent"
        }
        received += buffer.readableBytes
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            inputClosed = true
            if received != expected, problem == nil {
                problem = "stream ended after \(received) of \(expected) bytes"
            }
            maybeFinish(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            // With its output already shut, NIO reports the peer's FIN as a plain close (no
            // `inputClosed`); a reset would have come through `errorCaught`.
            if !inputClosed && problem == nil && received != expected {
                problem = "stream ended after \(received) of \(expected) bytes"
            }
            if problem == nil && !sendFinished {
                problem = "connection closed early: sent \(sent) of \(toSend), received \(received) of \(expected)"
            }
            promise.succeed(Outcome(sent: sent, received: received, expected: expected, problem: problem))
        }
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        if problem == nil { problem = "error: \(error)" }
        context.close(promise: nil)
    }

    private func pump(context: ChannelHandlerContext) {
        guard outgoing != nil, !sendFinished else { return }
        var lastWrite: EventLoopFuture<Void>?
        while context.channel.isWritable && sent < toSend {
            let n = min(PatternPeer.chunk, toSend - sent)
            var buf = context.channel.allocator.buffer(capacity: n)
            buf.writeWithUnsafeMutableBytes(minimumWritableBytes: n) { ptr in
                for i in 0..<n { ptr[i] = outgoing!.next() }
                return n
            }
            sent += n
            lastWrite = context.write(wrapOutboundOut(buf))
        }
        context.flush()
        if sent == toSend {
            sendFinished = true
            // Half-close only once the last byte is out: NIO turns close(mode: .output) into a full
            // close, failing pending writes, when the input is already closed.
            let written = lastWrite ?? context.eventLoop.makeSucceededVoidFuture()
            written.assumeIsolated().whenComplete { _ in
                context.close(mode: .output, promise: nil)
                self.maybeFinish(context: context)
            }
        }
    }

    private func maybeFinish(context: ChannelHandlerContext) {
        if inputClosed && sendFinished && !done {
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension PatternPeer: Sendable {}

/// A server that answers every connection with a `PatternPeer` and collects the outcomes.
public final class PatternServer: Sendable {
    /// The listening channel.
    public let channel: Channel
    private let outcomes: NIOLockedValueBoxOutcomes

    private init(channel: Channel, outcomes: NIOLockedValueBoxOutcomes) {
        self.channel = channel
        self.outcomes = outcomes
    }

    /// Starts listening on `host`, on a free port.
    public static func start(host: String = "127.0.0.1", group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws -> PatternServer
    {
        let outcomes = NIOLockedValueBoxOutcomes()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                let promise = channel.eventLoop.makePromise(of: PatternPeer.Outcome.self)
                promise.futureResult.whenSuccess { outcomes.append($0) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PatternPeer(role: .server, promise: promise))
                }
            }
            .bind(host: host, port: 0).get()
        return PatternServer(channel: channel, outcomes: outcomes)
    }

    /// The port it listens on.
    public var port: Int { channel.localAddress!.port! }

    /// The outcomes of the connections that have ended.
    public var results: [PatternPeer.Outcome] { outcomes.all }

    /// Stops listening.
    public func close() async {
        try? await channel.close()
    }
}

/// Thread-safe list of outcomes.
final class NIOLockedValueBoxOutcomes: @unchecked Sendable {
    private let lock = NIOLock()
    private var items: [PatternPeer.Outcome] = []
    func append(_ o: PatternPeer.Outcome) { lock.withLock { items.append(o) } }
    var all: [PatternPeer.Outcome] { lock.withLock { items } }
}

/// Runs one client transfer against `host:port` and returns its outcome.
public func runPatternClient(
    host: String, port: Int, seed: UInt64, clientLength: Int, serverLength: Int,
    group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
) async throws -> PatternPeer.Outcome {
    let loop = group.next()
    let promise = loop.makePromise(of: PatternPeer.Outcome.self)
    _ = try await ClientBootstrap(group: loop)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    PatternPeer(
                        role: .client(seed: seed, clientLength: clientLength, serverLength: serverLength),
                        promise: promise))
            }
        }
        .connect(host: host, port: port).get()
    return try await promise.futureResult.get()
}
