import InterposeCapture
import InterposeCore

/// One TCP conversation: roles, handshake, both directions' reassembly, and how it ends.
///
/// Turns its directions' `StreamEvent`s into frames and findings for a `FrameConsumer`.
struct TCPConnectionTracker {
    let descriptor: ConnectionDescriptor
    let rolesGuessed: Bool
    let firstPacket: Int
    let start: Timestamp
    private(set) var last: Timestamp
    private(set) var isFinalized = false
    private(set) var resetBy: Direction?
    private(set) var clientInitialSequence: UInt32?
    private(set) var serverAcknowledgedSequence: UInt32?

    private var toServer: TCPStreamReassembler
    private var toClient: TCPStreamReassembler
    private var sawSyn = false
    private var sawSynAck = false
    private var packetsToServer = 0
    private var packetsToClient = 0
    private var findingsLimit: Int
    private var gapFindings = 0
    private var suppressedGaps = 0
    private var suppressedGapBytes: Int64 = 0
    private var mismatchFindings = 0
    private var suppressedMismatches = 0
    private var resetsWithData = 0
    private var packetsAfterClose = 0
    private var dataAfterReset = DirectionPair(clientToServer: 0, serverToClient: 0)
    private var dataBytesAfterReset = DirectionPair(clientToServer: 0, serverToClient: 0)

    init(
        descriptor: ConnectionDescriptor, rolesGuessed: Bool, timestamp: Timestamp, packet: Int,
        settings: TCPStreamReassembler.Settings, findingsLimit: Int
    ) {
        self.descriptor = descriptor
        self.rolesGuessed = rolesGuessed
        self.firstPacket = packet
        self.start = timestamp
        self.last = timestamp
        self.toServer = TCPStreamReassembler(settings: settings)
        self.toClient = TCPStreamReassembler(settings: settings)
        self.findingsLimit = findingsLimit
    }

    var id: ConnectionID { descriptor.id }

    /// Whether a RST ended it (frames may still follow until it is finalized).
    var isReset: Bool { resetBy != nil }

    /// Whether a new SYN with this sequence number starts a new conversation on the same 4-tuple
    /// rather than repeating this one's SYN.
    func isNewConnection(synSequence: UInt32) -> Bool {
        if isFinalized || isReset { return true }
        if let clientInitialSequence { return clientInitialSequence != synSequence }
        if let serverAcknowledgedSequence { return serverAcknowledgedSequence != synSequence &+ 1 }
        return true
    }

    /// Takes one segment of this conversation.
    mutating func process<Consumer: FrameConsumer>(
        _ segment: TCPSegment, timestamp: Timestamp, packet: Int, events: inout [StreamEvent],
        consumer: inout Consumer
    ) {
        let direction: Direction = segment.source == descriptor.client ? .clientToServer : .serverToClient
        if timestamp > last { last = timestamp }
        if direction == .clientToServer { packetsToServer += 1 } else { packetsToClient += 1 }
        if isFinalized {
            packetsAfterClose += 1
            return
        }
        let flags = segment.flags
        var sequence = segment.sequence
        if flags.contains(.syn) {
            sequence &+= 1
            if flags.contains(.ack) {
                sawSynAck = true
                serverAcknowledgedSequence = segment.acknowledgment
                modifyStream(direction) { $0.start(at: sequence) }
                modifyStream(direction.reversed) { $0.start(at: segment.acknowledgment) }
            } else {
                sawSyn = true
                if direction == .clientToServer { clientInitialSequence = segment.sequence }
                modifyStream(direction) { $0.start(at: sequence) }
            }
        }
        if flags.contains(.rst) {
            if segment.payloadLength > 0 { resetsWithData += 1 }
            guard resetBy == nil else { return }
            resetBy = direction
            closeStreams(timestamp: timestamp, packet: packet, events: &events, consumer: &consumer)
            consumer.consume(
                Frame(connection: id, direction: direction, timestamp: timestamp, event: .reset, packet: packet))
            return
        }
        if resetBy != nil {
            // The other side kept sending after the reset (a response nobody will read).
            if segment.payloadLength > 0 {
                dataAfterReset[direction] += 1
                dataBytesAfterReset[direction] += segment.payloadLength
            }
            return
        }
        if flags.contains(.ack) {
            modifyStream(direction.reversed) {
                $0.peerAcknowledged(segment.acknowledgment, timestamp: timestamp, packet: packet, into: &events)
            }
            emit(&events, direction.reversed, &consumer)
        }
        modifyStream(direction) {
            $0.segment(
                sequence: sequence, payload: segment.payload, missing: segment.missingPayload,
                finish: flags.contains(.fin), timestamp: timestamp, packet: packet, into: &events)
        }
        emit(&events, direction, &consumer)
        if toServer.isFinished && toClient.isFinished && resetBy == nil {
            consumer.connectionClosed(
                finalize(timestamp: timestamp, packet: packet, events: &events, consumer: &consumer))
        }
    }

    /// Ends the conversation: flushes both directions, emits `.close` and its closing findings, and
    /// returns its summary. Later packets on the 4-tuple are counted and ignored.
    mutating func finalize<Consumer: FrameConsumer>(
        timestamp: Timestamp, packet: Int, events: inout [StreamEvent], consumer: inout Consumer
    ) -> ConnectionSummary {
        closeStreams(timestamp: timestamp, packet: packet, events: &events, consumer: &consumer)
        isFinalized = true
        consumer.consume(Frame(connection: id, direction: .clientToServer, timestamp: last, event: .close))
        reportClosingFindings(&consumer)
        let summary = ConnectionSummary(
            descriptor: descriptor, state: state, start: start, end: last, firstPacket: firstPacket,
            toServer: toServer.statistics, toClient: toClient.statistics, packetsToServer: packetsToServer,
            packetsToClient: packetsToClient, rolesGuessed: rolesGuessed, sawSyn: sawSyn, sawSynAck: sawSynAck,
            resetBy: resetBy)
        // Keep only the counters: a finalized conversation holds no buffers.
        toServer = TCPStreamReassembler(settings: toServer.settings)
        toClient = TCPStreamReassembler(settings: toClient.settings)
        return summary
    }

    /// The state docs/DESIGN.md names: reset, then incomplete (mid-stream or gaps), then by FINs.
    var state: ConnectionState {
        if resetBy != nil { return .reset }
        if rolesGuessed || toServer.statistics.gaps > 0 || toClient.statistics.gaps > 0 { return .incomplete }
        switch (toServer.isFinished, toClient.isFinished) {
        case (true, true): return .complete
        case (true, false), (false, true): return .halfClosed
        case (false, false): return .open
        }
    }

    // MARK: - Internals

    private mutating func modifyStream(_ direction: Direction, _ body: (inout TCPStreamReassembler) -> Void) {
        if direction == .clientToServer { body(&toServer) } else { body(&toClient) }
    }

    private mutating func closeStreams<Consumer: FrameConsumer>(
        timestamp: Timestamp, packet: Int, events: inout [StreamEvent], consumer: inout Consumer
    ) {
        toServer.close(timestamp: timestamp, packet: packet, into: &events)
        emit(&events, .clientToServer, &consumer)
        toClient.close(timestamp: timestamp, packet: packet, into: &events)
        emit(&events, .serverToClient, &consumer)
    }

    private mutating func emit<Consumer: FrameConsumer>(
        _ events: inout [StreamEvent], _ direction: Direction, _ consumer: inout Consumer
    ) {
        guard !events.isEmpty else { return }
        for event in events {
            switch event {
            case .data(let buffer, let timestamp, let packet):
                consumer.consume(
                    Frame(
                        connection: id, direction: direction, timestamp: timestamp, event: .data(buffer),
                        packet: packet > 0 ? packet : nil))
            case .gap(let size, let offset, let reason, let timestamp, let packet):
                consumer.consume(
                    Frame(
                        connection: id, direction: direction, timestamp: timestamp, event: .gap(size),
                        packet: packet > 0 ? packet : nil))
                if gapFindings < findingsLimit {
                    gapFindings += 1
                    consumer.report(
                        Finding(
                            code: .tcpGap, connection: id, frame: packet > 0 ? packet : nil,
                            message: "\(size) bytes missing \(direction) at stream offset \(offset)",
                            detail: TCPConnectionTracker.explain(reason)))
                } else {
                    suppressedGaps += 1
                    suppressedGapBytes += Int64(size)
                }
            case .finish(let timestamp, let packet):
                consumer.consume(
                    Frame(
                        connection: id, direction: direction, timestamp: timestamp, event: .finish,
                        packet: packet > 0 ? packet : nil))
            case .overlapMismatch(let offset, let length, _, let packet):
                if mismatchFindings < findingsLimit {
                    mismatchFindings += 1
                    consumer.report(
                        Finding(
                            code: .tcpOverlapMismatch, connection: id,
                            frame: packet > 0 ? packet : nil,
                            message:
                                "retransmitted bytes differ from the first copy \(direction) at stream offset \(offset)",
                            detail: "\(length) bytes overlap; the first copy is the one delivered"))
                } else {
                    suppressedMismatches += 1
                }
            }
        }
        events.removeAll(keepingCapacity: true)
    }

    private static func explain(_ reason: StreamEvent.GapReason) -> String {
        switch reason {
        case .lost: return "the bytes are not in the capture (acknowledged by the receiver, or the capture ended)"
        case .notCaptured: return "cut from the packet by the capture's snap length"
        case .outOfOrderLimit: return "out-of-order buffer full; the hole was declared a gap"
        }
    }

    private func reportClosingFindings<Consumer: FrameConsumer>(_ consumer: inout Consumer) {
        if suppressedGaps > 0 {
            consumer.report(
                Finding(
                    code: .tcpGap, connection: id,
                    message: "\(suppressedGaps) more gaps (\(suppressedGapBytes) bytes) not listed one by one"))
        }
        if suppressedMismatches > 0 {
            consumer.report(
                Finding(
                    code: .tcpOverlapMismatch, connection: id,
                    message: "\(suppressedMismatches) more retransmissions with different bytes not listed one by one"))
        }
        for (direction, statistics) in [
            (Direction.clientToServer, toServer.statistics), (.serverToClient, toClient.statistics),
        ] {
            if statistics.retransmissions > 0 {
                var detail = "\(statistics.retransmittedBytes) bytes already delivered"
                if statistics.unverifiedRetransmissions > 0 {
                    detail += "; \(statistics.unverifiedRetransmissions) could not be compared with the first copy"
                }
                consumer.report(
                    Finding(
                        code: .tcpRetransmission, connection: id,
                        message: "\(statistics.retransmissions) retransmitted segments \(direction)", detail: detail))
            }
            if statistics.outOfOrderSegments > 0 {
                consumer.report(
                    Finding(
                        code: .tcpOutOfOrder, connection: id,
                        message:
                            "\(statistics.outOfOrderSegments) segments out of order \(direction), put back in order"))
            }
            if statistics.outOfOrderLimitHits > 0 {
                consumer.report(
                    Finding(
                        code: .tcpOutOfOrderLimit, connection: id,
                        message: "out-of-order buffer full \(statistics.outOfOrderLimitHits) times \(direction)",
                        detail: "holes were declared gaps early to bound memory"))
            }
            if statistics.dataAfterFinish > 0 {
                consumer.report(
                    Finding(
                        code: .tcpDataAfterFin, connection: id,
                        message: "\(statistics.dataAfterFinish) segments with data after the FIN \(direction), ignored")
                )
            }
        }
        for direction in Direction.allCases where dataAfterReset[direction] > 0 {
            let resetter = resetBy.map { $0 == .clientToServer ? "client" : "server" } ?? "peer"
            consumer.report(
                Finding(
                    code: .tcpDataAfterReset, connection: id,
                    message:
                        "\(dataAfterReset[direction]) segments (\(dataBytesAfterReset[direction]) bytes) \(direction) arrived after the \(resetter) reset the connection: data nobody read",
                    detail: "for a server, typically a response to a request the client gave up on"))
        }
        if resetsWithData > 0 {
            consumer.report(
                Finding(
                    code: .tcpRSTWithData, connection: id,
                    message: "\(resetsWithData) RST segments carried data, not part of the stream"))
        }
    }
}
