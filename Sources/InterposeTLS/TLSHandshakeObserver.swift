import NIOCore
import NIOSSL
import NIOTLS

/// Sits behind a TLS handler and says once how the handshake went: completed (with the ALPN
/// protocol), or failed (a certificate refused, an alert, the peer gone). A peer that closes
/// without `close_notify` is an ordinary end of stream, as it is for most HTTP clients and
/// servers, not an error. Used by the intercepting proxy on both legs and by replay over TLS.
public final class TLSHandshakeObserver: ChannelInboundHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private let onCompleted: (String?) -> Void
    private let onFailed: (Error) -> Void
    private var decided = false

    /// An observer calling `onCompleted` or `onFailed`, once, on the channel's event loop; a failed
    /// handshake's error is not passed further down the pipeline.
    public init(onCompleted: @escaping (String?) -> Void, onFailed: @escaping (Error) -> Void) {
        self.onCompleted = onCompleted
        self.onFailed = onFailed
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event, !decided {
            decided = true
            onCompleted(negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let error = error as? NIOSSLError, case .uncleanShutdown = error {
            return  // the inputClosed that follows ends the stream
        }
        guard !decided else {
            context.fireErrorCaught(error)
            return
        }
        decided = true
        onFailed(error)
    }
}

@available(*, unavailable)
extension TLSHandshakeObserver: Sendable {}
