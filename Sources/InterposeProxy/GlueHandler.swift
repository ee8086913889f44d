import NIOCore

/// Pumps bytes from one channel of a proxied connection to its partner, with backpressure,
/// half-close and reset forwarding, and tells its `GlueHandlerDelegate` (the connection) what crossed
/// and how each side ended; recording is the `CaptureTapHandler`s' job.
///
/// One pair per connection: one on the client channel, one on the upstream channel, both on the
/// same event loop. Reads happen only while the partner is writable, so a slow side slows the
/// other and memory stays bounded (the pattern of swift-nio-ssh's `GlueHandler`). Under the
/// capture's `block` overflow policy, reads also wait while the capture queue is over its limit; the
/// capture's writer wakes them (`captureDrained`) once it drained, as the partner's writability does.
final class GlueHandler {
    private var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    /// Set while a read waits for the capture queue to drain (`captureDrained`).
    private var waitingForCapture = false
    /// Set once this side's input reached EOF and the EOF was forwarded to the partner.
    private var inputEnded = false
    /// Set when this side's channel failed or was reset; the partner is then reset too.
    private var failed = false
    /// Set once the partner's EOF was forwarded here as a half-close of this channel's output.
    private var outputEnded = false
    /// What the partner read before this side's channel existed (the upstream still connecting):
    /// NIO can deliver an accepted socket's first bytes, and its EOF, before any `read()` is
    /// issued. Kept until `handlerAdded`, never dropped. Bounded by one read burst, since no
    /// further read is issued while this side is not writable.
    private var queuedWrites: [NIOAny] = []
    private var queuedEOF = false

    /// Which side of the connection this handler sits on.
    let side: ProxySide
    private let connection: any GlueHandlerDelegate

    private init(side: ProxySide, connection: any GlueHandlerDelegate) {
        self.side = side
        self.connection = connection
    }

    /// A client-side and an upstream-side handler joined to each other.
    static func matchedPair(for connection: any GlueHandlerDelegate) -> (client: GlueHandler, upstream: GlueHandler) {
        let client = GlueHandler(side: .client, connection: connection)
        let upstream = GlueHandler(side: .upstream, connection: connection)
        client.partner = upstream
        upstream.partner = client
        return (client, upstream)
    }
}

@available(*, unavailable)
extension GlueHandler: Sendable {}

extension GlueHandler {
    private func partnerWrite(_ data: NIOAny) {
        guard let context else {
            queuedWrites.append(data)
            return
        }
        context.write(data, promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    /// Forwards EOF: half-closes this channel's output once every byte written before it is out.
    ///
    /// Closing the output at once would fail the pending writes when the input is already closed
    /// (NIO escalates to a full close), so the close waits on an empty write queued after the data.
    private func partnerWriteEOF() {
        guard let context else {
            queuedEOF = true
            return
        }
        let closeOutput = { [weak self] in
            guard let self, let context = self.context else { return }
            self.outputEnded = true
            context.close(mode: .output, promise: nil)
        }
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(capacity: 0)))
            .assumeIsolated()
            .whenComplete { _ in closeOutput() }
    }

    /// Forwards a reset: SO_LINGER 0, then close, so the peer sees RST rather than FIN.
    private func partnerReset() {
        guard let context else { return }
        ProxyConnection.reset(context.channel)
    }

    private func partnerCloseFull() {
        context?.close(promise: nil)
    }

    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context.map { read(context: $0) }
        }
    }

    /// Writable and connected: bytes written to an upstream channel that is still connecting
    /// would be lost, so the client is not read until the upstream is active.
    private var partnerWritable: Bool {
        guard let channel = context?.channel else { return false }
        return channel.isActive && channel.isWritable && !connection.faultsHoldReads(towards: side)
    }

    /// The faults on this side's output let go of what they held: the partner may read again.
    func faultsReleased() {
        guard let context, context.channel.isWritable else { return }
        partner?.partnerBecameWritable()
    }

    /// The capture queue drained below its limit: a read that waited for it goes ahead.
    func captureDrained() {
        guard waitingForCapture else { return }
        waitingForCapture = false
        if let context { read(context: context) }
    }

    /// Closes this side with FIN once what was written is out (a toxic closes the connection), without
    /// turning the close into a reset of the partner.
    func closeForFault() {
        inputEnded = true
        guard let context else { return }
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(capacity: 0)))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }
}

extension GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if !queuedWrites.isEmpty {
            for data in queuedWrites { context.write(data, promise: nil) }
            queuedWrites = []
            context.flush()
        }
        if queuedEOF {
            queuedEOF = false
            partnerWriteEOF()
        }
        // The partner may have asked to read before this side existed.
        if context.channel.isActive && context.channel.isWritable {
            partner?.partnerBecameWritable()
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        if side == .client {
            connection.clientActive()
        }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        connection.didRead(buffer, from: side)
        partner?.partnerWrite(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !inputEnded && !failed && outputEnded {
            // With our output already shut, NIO turns the peer's FIN into a full close without an
            // `inputClosed` event: it is still a clean end of this direction.
            inputEnded = true
            connection.didFinish(from: side)
            partner?.partnerWriteEOF()
        }
        connection.channelClosed(side)
        // After a clean EOF the partner closes itself once its writes are out; anything else
        // (an error, a reset, our own abort) takes the partner down with a reset.
        if !inputEnded {
            if !failed { connection.didAbort(from: side) }
            partner?.partnerReset()
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            inputEnded = true
            connection.didFinish(from: side)
            partner?.partnerWriteEOF()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !failed else { return }
        failed = true
        inputEnded = false
        connection.didFail(from: side, error: error)
        partner?.partnerReset()
        ProxyConnection.reset(context.channel)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            partner?.partnerBecameWritable()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        guard let partner, partner.partnerWritable else {
            pendingRead = true
            return
        }
        guard !waitingForCapture else { return }
        if connection.holdsReadsForCapture(waking: side) {
            // `--capture-overflow block`: the capture queue is full; its writer wakes us when it drained.
            waitingForCapture = true
            return
        }
        context.read()
    }
}
