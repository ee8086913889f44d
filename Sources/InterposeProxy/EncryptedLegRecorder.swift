import InterposeCapture
import InterposeCore
import NIOCore

/// Records one leg of an intercepted connection into the encrypted capture (`--capture-encrypted`),
/// as its `CaptureTapHandler` sees the bytes cross the socket, next to the TLS keys that decrypt them.
final class EncryptedLegRecorder: CaptureTapRecorder {
    /// Which leg it records.
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
    let leg: Leg
    private var finished: Set<Direction> = []

    init(sink: CaptureSink, leg: Leg) {
        self.sink = sink
        self.leg = leg
    }

    /// The tap for this leg: first in the pipeline, reads passed on before they are recorded.
    func tap(clock: CaptureClock) -> CaptureTapHandler {
        CaptureTapHandler(
            settings: .init(
                readDirection: leg.readDirection, clock: clock, passReadsOnFirst: true,
                keyLogConnection: leg.connection),
            recorder: self)
    }

    /// Both directions of the encrypted bytes are recorded as they cross.
    var recordsWrites: Bool { true }

    func record(_ event: CaptureTapHandler.Event) {
        switch event {
        case .read(let bytes, let direction, let at), .wrote(let bytes, let direction, let at):
            sink.submit(.data(leg.id, direction, bytes, at: at))
        case .inputEnded(let direction, let at), .outputClosed(let direction, let at):
            if finished.insert(direction).inserted { sink.submit(.finish(leg.id, direction, at: at)) }
        case .closed(let at):
            let end: ConnectionEnd = finished.count == 2 ? .graceful : .reset(by: leg.readDirection)
            sink.submit(.closed(leg.id, end, at: at, comment: ""))
        }
    }
}

@available(*, unavailable)
extension EncryptedLegRecorder: Sendable {}
