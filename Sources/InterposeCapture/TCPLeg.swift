import InterposeCore

/// The TCP state of one recorded leg of a connection: sequence and acknowledgement numbers for each
/// direction, and the rules that turn connection events into segments.
///
/// A pure value type: it knows nothing about files. Each method sends the segments it makes to a
/// `TCPSegmentEmitter`. The direction of a segment is the direction of its sender: `clientToServer`
/// segments come from the client (on the upstream leg: the proxy's own socket).
struct TCPLeg {
    /// The window scale both ends announce: 65535 << 14 is a 1 GiB window, never full in practice.
    static let windowScale: UInt8 = 14
    /// The window field on every segment.
    static let window: UInt16 = 65_535
    /// The receiver sends a pure ACK once this many bytes are unacknowledged.
    static let ackEveryBytes: UInt32 = 256 * 1024

    /// The pcapng interface of the leg.
    let interfaceID: UInt32
    /// The side that sent the SYN, and the side that accepted (same address family as `client`).
    let endpoints: DirectionPair<Endpoint>
    /// The last bytes of the made-up MAC addresses of the client and server.
    let macs: DirectionPair<UInt8>
    /// The largest payload of one segment.
    let maximumPayload: Int

    /// The sequence number of the next byte (or FIN) each sender will send.
    private(set) var nextSequence: DirectionPair<UInt32>
    /// The acknowledgement number each sender last sent.
    private(set) var lastAcknowledgement: DirectionPair<UInt32>
    /// The IPv4 identification counter of each sender.
    private var ipID: DirectionPair<UInt16>
    /// Whether each sender has sent its FIN.
    private(set) var finished = DirectionPair(repeating: false)
    /// Comments waiting for the next segment from each sender (capture loss notes).
    private var pendingComment = DirectionPair<String?>(repeating: nil)
    /// The sender whose FIN was the second: the other side still owes the final ACK.
    private var finalAckOwedTo: Direction?

    /// A leg between `client` and `server` with random initial sequence numbers.
    init(interfaceID: UInt32, client: Endpoint, server: Endpoint, macs: DirectionPair<UInt8>) {
        var generator = SystemRandomNumberGenerator()
        self.init(
            interfaceID: interfaceID, client: client, server: server, macs: macs,
            initialSequence: DirectionPair(
                clientToServer: UInt32.random(in: .min ... .max, using: &generator),
                serverToClient: UInt32.random(in: .min ... .max, using: &generator)),
            initialIPID: UInt16.random(in: .min ... .max, using: &generator))
    }

    /// A leg with the given initial sequence numbers (the SYNs' sequence numbers) and IPv4 id.
    ///
    /// When the two endpoints differ in family, the IPv4 one is written as an IPv4-mapped IPv6 address.
    init(
        interfaceID: UInt32, client: Endpoint, server: Endpoint, macs: DirectionPair<UInt8>,
        initialSequence: DirectionPair<UInt32>, initialIPID: UInt16
    ) {
        var client = client
        var server = server
        if client.address.family != server.address.family {
            client.address = TCPLeg.mappedToIPv6(client.address)
            server.address = TCPLeg.mappedToIPv6(server.address)
        }
        self.interfaceID = interfaceID
        self.endpoints = DirectionPair(clientToServer: client, serverToClient: server)
        self.macs = macs
        self.maximumPayload = TCPSegment.maximumPayload(ipv6: client.address.family == .v6)
        self.nextSequence = initialSequence
        self.lastAcknowledgement = DirectionPair(repeating: 0)
        self.ipID = DirectionPair(clientToServer: initialIPID, serverToClient: initialIPID &+ 0x5555)
    }

    /// `address` itself for IPv6, `::ffff:a.b.c.d` for IPv4.
    static func mappedToIPv6(_ address: IPAddress) -> IPAddress {
        guard address.family == .v4 else { return address }
        return IPAddress(v6High: 0, low: 0xFFFF_0000_0000 | UInt64(address.v4Value))
    }

    // MARK: - Events

    /// The three-way handshake: SYN (carrying `comment`), SYN-ACK, ACK.
    mutating func handshake<E: TCPSegmentEmitter>(comment: String?, at timestamp: Timestamp, into emitter: E) {
        let clientISN = nextSequence.clientToServer
        let serverISN = nextSequence.serverToClient
        emitSegment(
            from: .clientToServer, flags: .syn, sequence: clientISN, ack: 0, options: true,
            comment: comment, at: timestamp, into: emitter)
        nextSequence.clientToServer = clientISN &+ 1
        emitSegment(
            from: .serverToClient, flags: [.syn, .ack], sequence: serverISN, ack: clientISN &+ 1,
            options: true, comment: nil, at: timestamp, into: emitter)
        nextSequence.serverToClient = serverISN &+ 1
        emitSegment(
            from: .clientToServer, flags: .ack, sequence: clientISN &+ 1, ack: serverISN &+ 1,
            options: false, comment: nil, at: timestamp, into: emitter)
    }

    /// Payload from the sender of `direction`, split into segments no larger than IP allows, PSH on the
    /// last; the receiver acknowledges once `ackEveryBytes` are outstanding.
    mutating func send<E: TCPSegmentEmitter>(
        _ payload: UnsafeRawBufferPointer, from direction: Direction, at timestamp: Timestamp, into emitter: E
    ) {
        var offset = 0
        let total = payload.count
        guard total > 0 else { return }
        let receiver = direction.reversed
        while offset < total {
            let length = min(maximumPayload, total - offset)
            let isLast = offset + length == total
            let sequence = nextSequence[direction]
            emit(
                from: direction, flags: isLast ? [.ack, .psh] : .ack, sequence: sequence,
                payload: UnsafeRawBufferPointer(rebasing: payload[offset..<(offset + length)]),
                at: timestamp, into: emitter)
            nextSequence[direction] = sequence &+ UInt32(length)
            offset += length
            if nextSequence[direction] &- lastAcknowledgement[receiver] >= TCPLeg.ackEveryBytes {
                pureAck(from: receiver, at: timestamp, into: emitter)
            }
        }
    }

    /// FIN from the sender of `direction`; the other side acknowledges it at once, unless its own FIN
    /// was already sent: then the final ACK waits for `close`, which carries the connection's comment.
    mutating func finish<E: TCPSegmentEmitter>(_ direction: Direction, at timestamp: Timestamp, into emitter: E) {
        guard !finished[direction] else { return }
        emit(from: direction, flags: [.fin, .ack], sequence: nextSequence[direction], at: timestamp, into: emitter)
        nextSequence[direction] &+= 1
        finished[direction] = true
        if finished[direction.reversed] {
            finalAckOwedTo = direction
        } else {
            pureAck(from: direction.reversed, at: timestamp, into: emitter)
        }
    }

    /// The end of a graceful close: any missing FIN (client's first), then the final ACK with `comment`.
    mutating func closeGracefully<E: TCPSegmentEmitter>(comment: String?, at timestamp: Timestamp, into emitter: E) {
        if !finished.clientToServer { finish(.clientToServer, at: timestamp, into: emitter) }
        if !finished.serverToClient { finish(.serverToClient, at: timestamp, into: emitter) }
        let lastFinisher = finalAckOwedTo ?? .serverToClient
        finalAckOwedTo = nil
        emit(
            from: lastFinisher.reversed, flags: .ack, sequence: nextSequence[lastFinisher.reversed],
            comment: joined(takePendingComments(), comment), at: timestamp, into: emitter)
    }

    /// RST|ACK from the sender of `direction`, carrying `comment`.
    mutating func reset<E: TCPSegmentEmitter>(
        by direction: Direction, comment: String?, at timestamp: Timestamp, into emitter: E
    ) {
        emit(
            from: direction, flags: [.rst, .ack], sequence: nextSequence[direction],
            comment: joined(takePendingComments(), comment), at: timestamp, into: emitter)
    }

    /// `bytes` from the sender of `direction` were not recorded: skip them in the sequence space and
    /// note it on that sender's next segment.
    /// A comment for the next segment `direction`'s sender emits.
    mutating func note(_ text: String, from direction: Direction) {
        pendingComment[direction] = joined(pendingComment[direction], text)
    }

    mutating func skip(_ bytes: Int, from direction: Direction) {
        nextSequence[direction] &+= UInt32(truncatingIfNeeded: bytes)
        pendingComment[direction] = joined(
            pendingComment[direction], "capture dropped \(bytes) bytes here (queue full)")
    }

    // MARK: - Segments

    /// A pure ACK from `sender`, only when it acknowledges something new (never a duplicate ACK).
    private mutating func pureAck<E: TCPSegmentEmitter>(
        from sender: Direction, at timestamp: Timestamp, into emitter: E
    ) {
        guard nextSequence[sender.reversed] != lastAcknowledgement[sender] else { return }
        emit(from: sender, flags: .ack, sequence: nextSequence[sender], at: timestamp, into: emitter)
    }

    /// A segment from `sender` acknowledging everything the other side sent, with any pending comment.
    private mutating func emit<E: TCPSegmentEmitter>(
        from sender: Direction, flags: TCPFlags, sequence: UInt32,
        payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        comment: String? = nil, at timestamp: Timestamp, into emitter: E
    ) {
        var comment = comment
        if let pending = pendingComment[sender] {
            comment = joined(pending, comment)
            pendingComment[sender] = nil
        }
        emitSegment(
            from: sender, flags: flags, sequence: sequence, ack: nextSequence[sender.reversed], options: false,
            comment: comment, payload: payload, at: timestamp, into: emitter)
    }

    private mutating func emitSegment<E: TCPSegmentEmitter>(
        from sender: Direction, flags: TCPFlags, sequence: UInt32, ack: UInt32, options: Bool, comment: String?,
        payload: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
        at timestamp: Timestamp, into emitter: E
    ) {
        let segment = TCPSegment(
            interfaceID: interfaceID, source: endpoints[sender], destination: endpoints[sender.reversed],
            sourceMAC: macs[sender], destinationMAC: macs[sender.reversed], ipID: ipID[sender],
            sequenceNumber: sequence, acknowledgementNumber: flags.contains(.ack) ? ack : 0, flags: flags,
            window: TCPLeg.window, handshakeOptions: options)
        ipID[sender] &+= 1
        if flags.contains(.ack) { lastAcknowledgement[sender] = ack }
        emitter.emit(segment, payload: payload, comment: comment, at: timestamp)
    }

    private mutating func takePendingComments() -> String? {
        defer { pendingComment = DirectionPair(repeating: nil) }
        return joined(pendingComment.clientToServer, pendingComment.serverToClient)
    }

    private func joined(_ first: String?, _ second: String?) -> String? {
        switch (first, second) {
        case (nil, nil): return nil
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (let a?, let b?): return a + "; " + b
        }
    }
}
