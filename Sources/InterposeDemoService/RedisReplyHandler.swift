import NIOCore

/// Sends one command when the connection becomes active and completes a promise with the first
/// reply, a parse error, the connection closing, or a timeout, whichever comes first; then closes.
final class RedisReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let command: [String]
    private let promise: EventLoopPromise<RESPReply>
    private let address: String
    private let timeout: TimeAmount
    private var received: ByteBuffer?
    private var timer: Scheduled<Void>?
    private var done = false

    /// - Parameters:
    ///   - command: the command and its arguments, e.g. `["INCR", "demo:counter:x"]`.
    ///   - promise: completed exactly once.
    ///   - address: `HOST:PORT` of the server, for error messages.
    ///   - timeout: how long the reply may take once connected.
    init(command: [String], promise: EventLoopPromise<RESPReply>, address: String, timeout: TimeAmount) {
        self.command = command
        self.promise = promise
        self.address = address
        self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let address = self.address
        let milliseconds = timeout.nanoseconds / 1_000_000
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            finish(.failure(RedisError.timedOut(address, after: milliseconds)), channel: channel)
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        RESPReply.encodeCommand(command, into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        do {
            if let reply = try RESPReply.parse(&received!) {
                finish(.success(reply), channel: context.channel)
            }
        } catch {
            finish(.failure(error), channel: context.channel)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(RedisError.closed(address)), channel: context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        finish(.failure(RedisError.unavailable(address, reason: "\(error)")), channel: context.channel)
    }

    private func finish(_ result: Result<RESPReply, Error>, channel: Channel) {
        guard !done else { return }
        done = true
        timer?.cancel()
        promise.completeWith(result)
        channel.close(promise: nil)
    }
}

@available(*, unavailable)
extension RedisReplyHandler: Sendable {}
