import InterposeCore
import NIOCore

/// One recorded connection: the client leg, and the upstream leg once the proxy connected to the
/// upstream (when the sink records it). Routes each record to the legs it concerns.
struct CaptureConversation {
    /// Interface 0: client <-> proxy listener.
    var clientLeg: TCPLeg
    /// Interface 1: proxy <-> upstream; `nil` until `upstreamConnected`, or when not recorded.
    var upstreamLeg: TCPLeg?

    /// A conversation whose client leg starts with a handshake carrying `comment`.
    init<E: TCPSegmentEmitter>(
        client: Endpoint, listener: Endpoint, comment: String?, at timestamp: Timestamp, into emitter: E
    ) {
        clientLeg = TCPLeg(
            interfaceID: 0, client: client, server: listener,
            macs: DirectionPair(clientToServer: 0x01, serverToClient: 0x02))
        clientLeg.handshake(comment: comment, at: timestamp, into: emitter)
    }

    /// Opens the upstream leg with its handshake.
    mutating func upstreamConnected<E: TCPSegmentEmitter>(
        local: Endpoint, upstream: Endpoint, at timestamp: Timestamp, into emitter: E
    ) {
        var leg = TCPLeg(
            interfaceID: 1, client: local, server: upstream,
            macs: DirectionPair(clientToServer: 0x03, serverToClient: 0x04))
        leg.handshake(comment: nil, at: timestamp, into: emitter)
        upstreamLeg = leg
    }

    /// Payload in `direction`, on the client leg and mirrored onto the upstream leg.
    mutating func send<E: TCPSegmentEmitter>(
        _ payload: ByteBuffer, direction: Direction, at timestamp: Timestamp, into emitter: E
    ) {
        payload.withUnsafeReadableBytes { bytes in
            clientLeg.send(bytes, from: direction, at: timestamp, into: emitter)
            upstreamLeg?.send(bytes, from: direction, at: timestamp, into: emitter)
        }
    }

    /// A FIN in `direction` on every open leg.
    mutating func finish<E: TCPSegmentEmitter>(_ direction: Direction, at timestamp: Timestamp, into emitter: E) {
        clientLeg.finish(direction, at: timestamp, into: emitter)
        upstreamLeg?.finish(direction, at: timestamp, into: emitter)
    }

    /// The connection's last segments on every open leg, with `comment`.
    mutating func close<E: TCPSegmentEmitter>(
        _ end: ConnectionEnd, comment: String?, at timestamp: Timestamp, into emitter: E
    ) {
        switch end {
        case .graceful:
            clientLeg.closeGracefully(comment: comment, at: timestamp, into: emitter)
            upstreamLeg?.closeGracefully(comment: comment, at: timestamp, into: emitter)
        case .reset(let direction):
            clientLeg.reset(by: direction, comment: comment, at: timestamp, into: emitter)
            upstreamLeg?.reset(by: direction, comment: comment, at: timestamp, into: emitter)
        }
    }

    /// A comment on the client leg's next segment from `direction`'s sender.
    mutating func note(_ text: String, from direction: Direction) {
        clientLeg.note(text, from: direction)
    }

    /// `bytes` in `direction` were dropped from the capture: skip them on every open leg.
    mutating func skip(_ bytes: Int, direction: Direction) {
        clientLeg.skip(bytes, from: direction)
        upstreamLeg?.skip(bytes, from: direction)
    }
}
