import NIOCore

/// The first handler of a channel with TLS: resetting the connection through it closes the socket at
/// once, without passing the close through the TLS handler (which would send `close_notify` and wait
/// up to its shutdown timeout for the peer's).
final class SocketResetHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = Any

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Closes the socket from the head of the pipeline; `false` when the handler is not in one.
    func closeSocket() -> Bool {
        guard let context else { return false }
        context.close(promise: nil)
        return true
    }
}

@available(*, unavailable)
extension SocketResetHandler: Sendable {}
