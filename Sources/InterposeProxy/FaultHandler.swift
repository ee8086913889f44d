import InterposeFaults
import NIOCore

/// Applies a connection's toxics to the bytes going out of one channel (to the client: downstream;
/// to the upstream: upstream): it sits between the channel and its `GlueHandler`, so it sees exactly
/// what the glue forwards from the partner, and lets `ConnectionFaults` decide when each piece leaves.
///
/// With no toxics on the proxy it only compares a generation number per write and passes everything on.
final class FaultHandler {
    /// The direction of what this channel writes.
    let stream: Toxic.Stream
    private let faults: ConnectionFaults
    private(set) var context: ChannelHandlerContext?

    /// A handler for the channel that receives `stream`'s bytes.
    init(stream: Toxic.Stream, faults: ConnectionFaults) {
        self.stream = stream
        self.faults = faults
    }
}

@available(*, unavailable)
extension FaultHandler: Sendable {}

extension FaultHandler: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        faults.attach(self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        faults.detach(self)
        self.context = nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard faults.isEngaged else {
            context.write(data, promise: promise)
            return
        }
        let buffer = unwrapOutboundIn(data)
        promise?.succeed()
        if buffer.readableBytes > 0 { faults.write(buffer, on: stream) }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .output, faults.isEngaged else {
            context.close(mode: mode, promise: promise)
            return
        }
        promise?.succeed()
        faults.writeEnd(on: stream)
    }
}
