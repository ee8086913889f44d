import InterposeCapture
import InterposeCore
import InterposeProtocols
import NIOCore

/// One conversation read as its protocol into exchanges: every request paired with the response
/// that answered it, with the bytes of each (when `keepsContent`), for `diff` and for both sides of
/// `replay`.
///
/// Message bytes are cut from the stream by the dissector's own sizes: in each direction the
/// messages of HTTP/1, Redis, MQTT and a PostgreSQL server follow each other without gaps, so the
/// next message's bytes are the next `Message.bytes` bytes of that direction. A gap in a direction
/// ends that direction's content (the rest compares by fingerprint). HTTP/2 streams interleave, so
/// its dissector keeps each message's content itself (`Message.content`). A raw conversation has no
/// messages: each client turn (the bytes the client sent before the server answered) is a request
/// and the server's answer its response.
///
/// ```swift
/// var recorder = ExchangeRecorder(connection: descriptor, start: now)
/// recorder.consume(frame)
/// print(recorder.conversation.exchanges.count, recorder.responses)
/// ```
public struct ExchangeRecorder {
    /// The conversation so far.
    public private(set) var conversation: RecordedConversation
    /// How many responses have been paired with their requests.
    public private(set) var responses = 0
    /// Bytes the server sent so far.
    public private(set) var serverBytes: Int64 = 0
    /// The detected (or forced) protocol; `nil` until the first bytes decided it.
    public var application: ApplicationProtocol? { dissector.detection?.application }
    /// Whether the protocol's exchanges are turns (raw bytes, TLS records) rather than messages.
    private var pairsByTurn: Bool {
        application.map { ProtocolRegistry.standard.descriptor(for: $0).pairsByTurn } ?? false
    }
    /// Whether the protocol's dissector hands each message its content (HTTP/2).
    private var framesContent: Bool {
        application.map { ProtocolRegistry.standard.descriptor(for: $0).makeContentDissector != nil } ?? false
    }

    private var dissector: ConversationDissector
    private var output = DissectorOutput()
    private let keepsContent: Bool
    /// Request message index to its position in `conversation.exchanges`.
    private var positions: [Int: Int] = [:]
    /// Bytes of each direction not yet claimed by a message; `nil` once a gap broke the alignment.
    private var unclaimed: [ByteBuffer?] = [ByteBuffer(), ByteBuffer()]
    /// The raw turn being built: which side is talking and since when.
    private var rawTurn:
        (direction: Direction, start: Timestamp, end: Timestamp, bytes: [UInt8], size: Int64, hash: ContentHash)?

    /// Starts reading a conversation.
    /// - Parameters:
    ///   - connection: who talks.
    ///   - start: when it began.
    ///   - forced: read it as this protocol (`--protocol`); `nil` detects.
    ///   - detector: detection with its port hints.
    ///   - keepsContent: keep each request's and response's bytes (up to `RecordedExchange.contentLimit`).
    public init(
        connection: ConnectionDescriptor, start: Timestamp, forced: ApplicationProtocol? = nil,
        detector: ProtocolDetector = ProtocolDetector(), keepsContent: Bool = true
    ) {
        conversation = RecordedConversation(descriptor: connection, start: start)
        dissector = ConversationDissector(
            connection: connection, forced: forced, detector: detector, keepsContent: keepsContent)
        self.keepsContent = keepsContent
    }

    /// Reads one frame.
    public mutating func consume(_ frame: Frame) {
        keep(frame)
        dissector.consume(frame, into: &output)
        turn(frame)
        guard !output.isEmpty else { return }
        for message in output.messages {
            take(message)
        }
        output.removeAll()
    }

    /// Takes one frame and the messages another reader of the same conversation (the replay's
    /// checks) dissected from it, instead of dissecting it again. The recorder must have been made
    /// with the protocol forced, the one that reader uses, and that reader must keep content as
    /// this recorder does (`LiveConversationCheck(keepsContent:)`).
    public mutating func consume(_ frame: Frame, dissected messages: [Message]) {
        keep(frame)
        turn(frame)
        for message in messages {
            take(message)
        }
    }

    /// Counts and keeps a frame's bytes for the messages they will make.
    private mutating func keep(_ frame: Frame) {
        let side = Int(frame.direction.rawValue)
        switch frame.event {
        case .data(let buffer):
            if frame.direction == .serverToClient { serverBytes += Int64(buffer.readableBytes) }
            if keepsContent, unclaimed[side] != nil {
                var incoming = buffer
                unclaimed[side]!.writeBuffer(&incoming)
            }
        case .gap:
            unclaimed[side] = nil
        default:
            break
        }
    }

    /// A raw or TLS conversation's bytes make turns instead of messages.
    private mutating func turn(_ frame: Frame) {
        if case .data(let buffer) = frame.event, pairsByTurn {
            turn(frame.direction, buffer, at: frame.timestamp)
        }
    }

    /// Ends the conversation: the last raw turn is complete.
    public mutating func finish() {
        endTurn()
        conversation.application = application
    }

    private mutating func take(_ message: Message) {
        var content = message.content
        if framesContent {
            unclaimed = [nil, nil]
        } else {
            if message.skippedBefore > 0 { _ = claim(message.skippedBefore, direction: message.direction) }
            content = claim(message.bytes, direction: message.direction)
        }
        switch message.role {
        case .request:
            positions[message.index] = conversation.exchanges.count
            var exchange = RecordedExchange(request: message)
            exchange.requestContent = content
            conversation.exchanges.append(exchange)
        case .response:
            if let answers = message.answers, let position = positions.removeValue(forKey: answers) {
                conversation.exchanges[position].answer(with: message)
                conversation.exchanges[position].response?.content = content
                let truncated = framesContent ? message.contentTruncated : message.bytes > Int64(content.count)
                conversation.exchanges[position].response?.contentTruncated = truncated
                responses += 1
            }
        case .event:
            break
        }
    }

    /// The next `size` bytes of a direction, at most `RecordedExchange.contentLimit` of them kept.
    private mutating func claim(_ size: Int64, direction: Direction) -> [UInt8] {
        let side = Int(direction.rawValue)
        guard keepsContent, !pairsByTurn, var buffer = unclaimed[side] else { return [] }
        let available = min(Int(clamping: size), buffer.readableBytes)
        let kept = buffer.getBytes(at: buffer.readerIndex, length: min(available, RecordedExchange.contentLimit)) ?? []
        buffer.moveReaderIndex(forwardBy: available)
        buffer.discardReadBytes()
        unclaimed[side] = buffer
        return kept
    }

    /// A raw conversation's bytes: a change of speaker ends a turn.
    private mutating func turn(_ direction: Direction, _ buffer: ByteBuffer, at timestamp: Timestamp) {
        if let current = rawTurn, current.direction != direction { endTurn() }
        if rawTurn == nil { rawTurn = (direction, timestamp, timestamp, [], 0, ContentHash()) }
        rawTurn!.end = timestamp
        rawTurn!.size += Int64(buffer.readableBytes)
        buffer.withUnsafeReadableBytes { rawTurn!.hash.add($0) }
        if keepsContent, rawTurn!.bytes.count < RecordedExchange.contentLimit {
            let room = RecordedExchange.contentLimit - rawTurn!.bytes.count
            rawTurn!.bytes += buffer.getBytes(at: buffer.readerIndex, length: min(room, buffer.readableBytes)) ?? []
        }
        unclaimed = [keepsContent ? ByteBuffer() : nil, keepsContent ? ByteBuffer() : nil]
    }

    private mutating func endTurn() {
        guard let turn = rawTurn else { return }
        rawTurn = nil
        let application = self.application ?? .raw
        let hash = turn.hash.value
        let message = Message(
            index: conversation.exchanges.count, role: turn.direction == .clientToServer ? .request : .response,
            application: application, direction: turn.direction, start: turn.start, end: turn.end,
            name: "data", summary: "\(turn.size) bytes", key: "data", bytes: turn.size, fingerprint: hash,
            bodyFingerprint: hash)
        if turn.direction == .clientToServer {
            var exchange = RecordedExchange(request: message)
            exchange.requestContent = turn.bytes
            conversation.exchanges.append(exchange)
        } else if let last = conversation.exchanges.indices.last, conversation.exchanges[last].response == nil {
            conversation.exchanges[last].answer(with: message)
            conversation.exchanges[last].response?.content = turn.bytes
            conversation.exchanges[last].response?.contentTruncated = turn.size > Int64(turn.bytes.count)
            responses += 1
        }
    }
}
