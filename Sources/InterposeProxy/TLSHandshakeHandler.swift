import NIOCore
import NIOSSL
import NIOTLS

/// Sits behind a TLS handler of an intercepted connection and tells the connection how the
/// handshake went: completed with a protocol, or failed (a certificate refused, an alert). A peer
/// that closes without `close_notify` is an ordinary end of stream here, as it is for most HTTP
/// clients and servers, not an error.
final class TLSHandshakeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let side: ProxySide
    private let connection: ProxyConnection
    private var completed = false

    init(side: ProxySide, connection: ProxyConnection) {
        self.side = side
        self.connection = connection
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event {
            completed = true
            connection.tlsHandshakeCompleted(on: side, applicationProtocol: negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            return  // the inputClosed that follows ends the direction
        }
        if !completed {
            completed = true
            connection.tlsHandshakeFailed(on: side, error: error)
            return
        }
        context.fireErrorCaught(error)
    }
}

@available(*, unavailable)
extension TLSHandshakeHandler: Sendable {}
