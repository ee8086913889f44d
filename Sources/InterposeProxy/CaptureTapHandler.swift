import InterposeCapture
import InterposeCore
import NIOCore

/// Taps the bytes that cross its place in a channel's pipeline, both ways, for a capture: the reads
/// passing in, the writes passing out, the end of the input, the half-close of the output and the
/// close (the shape of swift-nio-extras' `NIOWritePCAPHandler`). What becomes of them is the
/// recorder's business.
///
/// The proxy puts one on each channel of a connection for each capture it writes:
/// - the plaintext capture: just in front of the `FaultHandler`, behind any TLS handler, so it sees
///   the bytes as the client and the upstream exchange them (recorder: the `ProxyConnection`);
/// - the encrypted capture (`--capture-encrypted`): first in the pipeline, in front of the TLS
///   handler, so it sees the bytes as they cross the socket (recorder: an `EncryptedLegRecorder`).
///   There reads are passed on before they are recorded (`Settings.passReadsOnFirst`), and what the
///   TLS handler writes in answer while handling one is recorded after it: the key-log lines the read
///   produced (a Decryption Secrets Block) then come before the records they decrypt, so a single
///   pass of Wireshark or tshark decrypts the whole file.
///
/// ```swift
/// let tap = CaptureTapHandler(
///     settings: .init(readDirection: .clientToServer, clock: clock), recorder: connection)
/// try channel.pipeline.syncOperations.addHandler(tap)
/// ```
final class CaptureTapHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What the tap saw, with the capture clock's time.
    enum Event {
        /// Bytes read from the channel (towards `Direction`).
        case read(ByteBuffer, Direction, at: Timestamp)
        /// Bytes written to the channel (towards `Direction`).
        case wrote(ByteBuffer, Direction, at: Timestamp)
        /// The channel's input ended with a FIN (the end of `Direction`).
        case inputEnded(Direction, at: Timestamp)
        /// The channel's output was half-closed (the end of `Direction`).
        case outputClosed(Direction, at: Timestamp)
        /// The channel closed, or the tap was removed; told once.
        case closed(at: Timestamp)
    }

    /// Where the tap sits and how it orders what it records.
    struct Settings {
        /// The direction of bytes read from this channel: from the client on the client channel, from
        /// the server on the upstream channel.
        var readDirection: Direction
        /// The clock of the capture the events go to.
        var clock: CaptureClock
        /// Pass each read on before recording it, and record what is written while it is handled
        /// after it (in front of a TLS handler: its key-log lines come before what they decrypt).
        var passReadsOnFirst = false
        /// The connection that TLS key-log lines produced while passing a read on belong to.
        var keyLogConnection: ConnectionID?
    }

    private let settings: Settings
    private let recorder: any CaptureTapRecorder
    private var passingReadOn = false
    private var deferred: [Event] = []
    private var closedRecorded = false

    /// A tap that tells `recorder` what it saw.
    init(settings: Settings, recorder: any CaptureTapRecorder) {
        self.settings = settings
        self.recorder = recorder
    }

    private var writeDirection: Direction { settings.readDirection.reversed }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard settings.passReadsOnFirst else {
            recorder.record(.read(bytes, settings.readDirection, at: settings.clock.now()))
            context.fireChannelRead(data)
            return
        }
        passingReadOn = true
        if let connection = settings.keyLogConnection {
            KeyLogAttribution.with(connection) { context.fireChannelRead(data) }
        } else {
            context.fireChannelRead(data)
        }
        passingReadOn = false
        recorder.record(.read(bytes, settings.readDirection, at: settings.clock.now()))
        for event in deferred { recorder.record(event) }
        deferred.removeAll()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        if bytes.readableBytes > 0, recorder.recordsWrites {
            let event = Event.wrote(bytes, writeDirection, at: settings.clock.now())
            if passingReadOn { deferred.append(event) } else { recorder.record(event) }
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            recorder.record(.inputEnded(settings.readDirection, at: settings.clock.now()))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output {
            recorder.record(.outputClosed(writeDirection, at: settings.clock.now()))
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
        recorder.record(.closed(at: settings.clock.now()))
    }
}

@available(*, unavailable)
extension CaptureTapHandler: Sendable {}
