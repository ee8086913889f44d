import NIOCore

/// Hands what the target sends on a replayed connection to its `ReplayConnection`.
final class ReplayConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: ReplayConnection

    init(connection: ReplayConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.received(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            connection.serverFinished()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.channelClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        connection.failed(String(describing: error), byTarget: true)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ReplayConnectionHandler: Sendable {}
