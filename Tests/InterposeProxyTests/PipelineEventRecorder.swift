import NIOCore

@testable import InterposeProxy

/// What the handlers under test did to a channel's head, in order, for `EmbeddedChannel` tests.
final class PipelineEventRecorder: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer

    enum Event: Equatable {
        case write(String)
        case flush
        case read
        case close(CloseMode)
    }

    private(set) var events: [Event] = []

    /// Forgets what was recorded so far.
    func reset() { events = [] }

    /// How many reads were asked for.
    var reads: Int { events.filter { $0 == .read }.count }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        events.append(.write(String(buffer: unwrapOutboundIn(data))))
        context.write(data, promise: promise)
    }

    func flush(context: ChannelHandlerContext) {
        events.append(.flush)
        context.flush()
    }

    func read(context: ChannelHandlerContext) {
        events.append(.read)
        context.read()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        events.append(.close(mode))
        // An EmbeddedChannel has no half-close: the output's close is only recorded.
        if mode == .output {
            promise?.succeed()
        } else {
            context.close(mode: mode, promise: promise)
        }
    }
}

/// A `GlueHandlerDelegate` that writes down what the glue reported, and holds reads when told to.
final class RecordingGlueDelegate: GlueHandlerDelegate {
    enum Event: Equatable {
        case clientActive
        case read(ProxySide, String)
        case finish(ProxySide)
        case fail(ProxySide)
        case abort(ProxySide)
        case closed(ProxySide)
    }

    private(set) var events: [Event] = []
    var faultsHold: Set<ProxySide> = []
    var captureHolds = false
    private(set) var captureHoldsAsked: [ProxySide] = []

    func clientActive() { events.append(.clientActive) }
    func didRead(_ buffer: ByteBuffer, from side: ProxySide) { events.append(.read(side, String(buffer: buffer))) }
    func didFinish(from side: ProxySide) { events.append(.finish(side)) }
    func didFail(from side: ProxySide, error: Error) { events.append(.fail(side)) }
    func didAbort(from side: ProxySide) { events.append(.abort(side)) }
    func channelClosed(_ side: ProxySide) { events.append(.closed(side)) }
    func faultsHoldReads(towards side: ProxySide) -> Bool { faultsHold.contains(side) }

    func holdsReadsForCapture(waking side: ProxySide) -> Bool {
        guard captureHolds else { return false }
        captureHoldsAsked.append(side)
        return true
    }
}
