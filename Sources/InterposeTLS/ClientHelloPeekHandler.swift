import InterposeProtocols
import NIOCore

/// Holds a client's first bytes until its ClientHello is complete, reports what it asked for, and
/// lets the bytes go on (to the TLS server handler installed behind it) only when told to.
///
/// The proxy needs the server name and ALPN offer before it can answer: it opens the upstream TLS
/// connection with them first. Put it first in the client pipeline; it issues its own reads, since
/// the handlers behind it do not read until the upstream is ready.
public final class ClientHelloPeekHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    /// What the peek found.
    public enum Outcome {
        /// A complete ClientHello.
        case hello(TLSClientHelloPeek.Hello)
        /// The client does not speak TLS; the reason says what it sent.
        case notTLS(reason: String)
        /// The client closed before its ClientHello was complete.
        case closed
    }

    private let onOutcome: (Outcome) -> Void
    private var buffered: ByteBuffer?
    private var decided = false
    private var context: ChannelHandlerContext?

    /// A handler that calls `onOutcome` once, on the channel's event loop.
    public init(onOutcome: @escaping (Outcome) -> Void) {
        self.onOutcome = onOutcome
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { context.read() }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    public func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        context.read()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if buffered == nil {
            buffered = bytes
        } else {
            buffered!.writeBuffer(&bytes)
        }
        guard !decided else { return }
        switch TLSClientHelloPeek.inspect(buffered!) {
        case .incomplete:
            break
        case .complete(let hello):
            decided = true
            onOutcome(.hello(hello))
        case .notTLS(let reason):
            decided = true
            onOutcome(.notTLS(reason: reason))
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if !decided { context.read() }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event, !decided {
            decided = true
            onOutcome(.closed)
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Passes the held bytes to the handlers behind this one and leaves the pipeline.
    public func release() {
        guard let context else { return }
        if let buffered, buffered.readableBytes > 0 {
            self.buffered = nil
            context.fireChannelRead(wrapInboundOut(buffered))
            context.fireChannelReadComplete()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

@available(*, unavailable)
extension ClientHelloPeekHandler: Sendable {}
