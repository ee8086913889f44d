import InterposeCapture
import InterposeCore
import NIOCore

/// Records the encrypted bytes of one leg of an intercepted connection (`--capture-encrypted`), as
/// they cross the socket, into their own capture next to the TLS keys that decrypt them.
///
/// It sits first in the pipeline, in front of the TLS handler. Each read is passed on before it is
/// recorded, and what the TLS handler writes in answer is recorded after it: the key-log lines the
/// read produced (a Decryption Secrets Block) then come before the records they decrypt, so a
/// single pass of Wireshark or tshark decrypts the whole file.
final class EncryptedTapHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Which leg the handler sits on.
    struct Leg {
        /// The leg's own id in the encrypted capture.
        var id: ConnectionID
        /// The proxied connection the leg belongs to (what key-log lines are attributed to).
        var connection: ConnectionID
        /// The direction of bytes read from this channel: from the client on the client leg, from the
        /// server on the upstream leg.
        var readDirection: Direction
    }

    private let sink: CaptureSink
    private let clock: CaptureClock
    private let leg: Leg
    private var reading = false
    private var deferred: [CaptureRecord] = []
    private var finished: Set<Direction> = []
    private var closedRecorded = false

    init(sink: CaptureSink, clock: CaptureClock, leg: Leg) {
        self.sink = sink
        self.clock = clock
        self.leg = leg
    }

    private var writeDirection: Direction { leg.readDirection.reversed }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        reading = true
        KeyLogAttribution.with(leg.connection) {
            context.fireChannelRead(data)
        }
        reading = false
        sink.submit(.data(leg.id, leg.readDirection, bytes, at: clock.now()))
        for record in deferred { sink.submit(record) }
        deferred.removeAll()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        if bytes.readableBytes > 0 {
            let record = CaptureRecord.data(leg.id, writeDirection, bytes, at: clock.now())
            if reading { deferred.append(record) } else { sink.submit(record) }
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event, finished.insert(leg.readDirection).inserted {
            sink.submit(.finish(leg.id, leg.readDirection, at: clock.now()))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output, finished.insert(writeDirection).inserted {
            sink.submit(.finish(leg.id, writeDirection, at: clock.now()))
        }
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        recordClose()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        recordClose()
    }

    private func recordClose() {
        guard !closedRecorded else { return }
        closedRecorded = true
        let end: ConnectionEnd = finished.count == 2 ? .graceful : .reset(by: leg.readDirection)
        sink.submit(.closed(leg.id, end, at: clock.now(), comment: ""))
    }
}

@available(*, unavailable)
extension EncryptedTapHandler: Sendable {}
