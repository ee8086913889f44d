import InterposeTLS
import NIOCore
import NIOSSL
import NIOTLS

/// Starts a replayed conversation over TLS once its handshake with the target is done, and turns a
/// failed handshake into the conversation's error. A target that closes without `close_notify` is
/// an ordinary end of stream.
final class ReplayTLSHandshakeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connection: ReplayConnection
    private var completed = false

    init(connection: ReplayConnection) {
        self.connection = connection
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event, !completed {
            completed = true
            connection.start()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let error = error as? NIOSSLError, case .uncleanShutdown = error { return }
        guard !completed else {
            context.fireErrorCaught(error)
            return
        }
        completed = true
        let text: String
        if let error = error as? NIOSSLError, case .handshakeFailed(let inner) = error {
            text = TLSFailureDescription.describe(libraryText: "\(inner)")
        } else {
            text = TLSFailureDescription.describe(libraryText: "\(error)")
        }
        connection.failed("the TLS handshake with the target failed: \(text)")
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ReplayTLSHandshakeHandler: Sendable {}
