import NIOCore
import NIOHTTP1

/// Answers each HTTP/1.1 request of one connection: routes it, waits for the responder, writes a
/// `Content-Length` response, and keeps the connection open unless the client asked to close.
///
/// Runs behind NIO's pipelining helper, so it sees one request at a time and answers in order.
final class DemoHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: DemoResponder
    private var head: HTTPRequestHead?

    /// A handler answering with `responder`.
    init(responder: DemoResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break  // No route reads a body; the bytes are dropped as they arrive.
        case .end:
            guard let head else { return }
            self.head = nil
            let route = DemoRoute(method: head.method.rawValue, target: head.uri)
            responder.respond(to: route, on: context.eventLoop).assumeIsolated().whenSuccess { response in
                self.write(response, for: head, context: context)
            }
        }
    }

    private func write(_ response: DemoResponse, for request: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = request.isKeepAlive
        var body = context.channel.allocator.buffer(capacity: 256)
        body.writeString(response.body.serialized)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Date", value: WallClockTime.now().httpDate)
        for header in response.headers { headers.add(name: header.name, value: header.value) }
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if request.version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let head = HTTPResponseHead(version: request.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }
}

@available(*, unavailable)
extension DemoHTTPHandler: Sendable {}
