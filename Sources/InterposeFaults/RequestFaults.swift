import InterposeCore
import InterposeProtocols
import NIOCore

/// The protocol-aware toxics of one connection (http_status, redis_error, drop_after_requests): the
/// client's bytes are held until a request is complete (the project's dissectors find where it
/// ends), then each request is forwarded, answered by the proxy, or the connection is closed.
///
/// Pipelined requests stay in order: the proxy answers a request itself only when no earlier request
/// is still waiting for the upstream's response (otherwise its answer would overtake theirs); a
/// request chosen for a fault while others are outstanding is forwarded instead. Requests are counted
/// from when the first such toxic is applied; a toxic added in the middle of a request may see that
/// request's remainder as the start of the next one.
///
/// ```swift
/// var faults = RequestFaults(connection: 1, serverPort: 80, seed: 7)
/// faults.update([Toxic(type: .httpStatus, stream: .upstream, toxicity: 0.2, attributes: ["status": 503])])
/// faults.receiveRequestBytes(get, at: now)   // [.forward(get)] or [.answer(503 response, note: ...)]
/// ```
public struct RequestFaults {
    /// What the handler does with what the client sent.
    public enum Action: Equatable, Sendable {
        /// Send these bytes (whole requests, or anything when no protocol is understood) upstream.
        case forward(ByteBuffer)
        /// Do not forward the request (`instead`): send this answer to the client and record the note.
        case answer(ByteBuffer, instead: ByteBuffer, note: String)
        /// Close the connection (FIN both ways) and record the note.
        case close(note: String)
    }

    private struct Entry {
        var toxic: Toxic
        var random: FaultRandom
        /// Decided once per connection (drop_after_requests); http_status and redis_error decide per request.
        var applies: Bool
    }

    /// Above this many bytes without a complete request, the request is forwarded unread.
    public static let holdLimit = 1 << 20

    private let connection: UInt64
    private let serverPort: UInt16
    private let seed: UInt64?
    private var entries: [Entry] = []
    private var dissector: ConversationDissector?
    private var application: ApplicationProtocol?
    /// Set when the traffic is not a protocol these toxics read, or could not be read: bytes pass.
    private var passThrough = false
    private var held = ByteBuffer()
    private var completed = 0
    private var forwarded = 0
    private var responses = 0
    private var closed = false

    /// No toxics yet.
    /// - Parameters:
    ///   - connection: the connection's id, part of the random seed.
    ///   - serverPort: the upstream's port (a hint for protocol detection).
    ///   - seed: `--seed`; `nil` for random choices.
    public init(connection: UInt64, serverPort: UInt16, seed: UInt64?) {
        self.connection = connection
        self.serverPort = serverPort
        self.seed = seed
    }

    /// Whether any protocol-aware toxic is on: otherwise bytes pass untouched and unread.
    public var isActive: Bool { !entries.isEmpty }

    /// The bytes of an incomplete request held now.
    public var heldBytes: Int { held.readableBytes }

    /// The protocol read, once known.
    public var detectedProtocol: ApplicationProtocol? { application }

    /// Takes the proxy's toxics as they are now (stream is ignored: these always act on requests).
    /// - Returns: bytes to forward now (what was held, when the last such toxic went away).
    public mutating func update(_ toxics: [Toxic]) -> [Action] {
        let wanted = toxics.filter(\.type.isProtocolAware)
        entries = wanted.map { toxic in
            if let old = entries.first(where: { $0.toxic.name == toxic.name }) {
                return Entry(toxic: toxic, random: old.random, applies: old.applies)
            }
            var random = FaultRandom(seed: seed, connection: connection, toxic: toxic.name)
            let applies = toxic.type == .dropAfterRequests ? random.nextUnit() < toxic.toxicity : true
            return Entry(toxic: toxic, random: random, applies: applies)
        }
        guard entries.isEmpty, held.readableBytes > 0 else { return [] }
        return [.forward(held.readSlice(length: held.readableBytes)!)]
    }

    /// What the client sent.
    /// - Returns: in order, what to forward, answer or close.
    public mutating func receiveRequestBytes(_ buffer: ByteBuffer, at timestamp: Timestamp) -> [Action] {
        guard !closed else { return [] }
        guard isActive, !passThrough else { return flushHeld() + [.forward(buffer)] }
        if dissector == nil {
            let prefix =
                buffer.getBytes(
                    at: buffer.readerIndex, length: min(ProtocolDetector.prefixLength, buffer.readableBytes)) ?? []
            let detected = ProtocolDetector().detect(client: prefix, server: [], serverPort: serverPort).application
            guard detected == .http1 || detected == .redis else {
                passThrough = true
                return [.forward(buffer)]
            }
            application = detected
            let nowhere = Endpoint(address: IPAddress(v4: 0), port: 0)
            dissector = ConversationDissector(
                connection: ConnectionDescriptor(
                    id: ConnectionID(connection), client: nowhere,
                    server: Endpoint(address: IPAddress(v4: 0), port: serverPort)),
                forced: detected)
        }
        var incoming = buffer
        held.writeBuffer(&incoming)
        var output = DissectorOutput()
        dissector!.consume(
            Frame(
                connection: ConnectionID(connection), direction: .clientToServer, timestamp: timestamp,
                event: .data(buffer)),
            into: &output)
        var actions: [Action] = []
        for message in output.messages {
            if message.role == .response { responses += 1 }
            guard message.role == .request else { continue }
            let length = Int(message.bytes)
            guard length > 0, length <= held.readableBytes else {
                passThrough = true
                break
            }
            let request = held.readSlice(length: length)!
            actions.append(decide(request, message))
            if closed {
                held.clear()
                return actions
            }
        }
        if passThrough || held.readableBytes > RequestFaults.holdLimit {
            passThrough = true
            actions += flushHeld()
        }
        if held.readableBytes == 0 { held.clear() }
        return actions
    }

    /// What the upstream sent back (read to know which requests are still waiting for an answer).
    public mutating func receiveResponseBytes(_ buffer: ByteBuffer, at timestamp: Timestamp) {
        guard dissector != nil, !passThrough, !closed else { return }
        var output = DissectorOutput()
        dissector!.consume(
            Frame(
                connection: ConnectionID(connection), direction: .serverToClient, timestamp: timestamp,
                event: .data(buffer)),
            into: &output)
        responses += output.messages.filter { $0.role == .response }.count
    }

    private mutating func flushHeld() -> [Action] {
        guard held.readableBytes > 0 else { return [] }
        forwarded += 1
        return [.forward(held.readSlice(length: held.readableBytes)!)]
    }

    private mutating func decide(_ request: ByteBuffer, _ message: Message) -> Action {
        completed += 1
        let outstanding = forwarded - responses
        var answer: Action?
        for index in entries.indices {
            let toxic = entries[index].toxic
            switch toxic.type {
            case .dropAfterRequests:
                let limit = toxic.count(.requests)
                if entries[index].applies, completed > limit, answer == nil {
                    closed = true
                    return .close(
                        note:
                            "\(toxic.name): connection closed after \(limit) requests instead of forwarding \(message.summary)"
                    )
                }
            case .httpStatus where application == .http1:
                // Drawn for every request, so the choice depends on the seed and the traffic only.
                let chosen = entries[index].random.nextUnit() < toxic.toxicity
                if chosen, answer == nil, outstanding <= 0 {
                    let status = toxic.count(.status)
                    answer = .answer(
                        InjectedAnswer.http(status: status, retryAfter: toxic.count(.retryAfter)),
                        instead: request,
                        note: "\(toxic.name): answered \(status) instead of forwarding \(message.summary)")
                }
            case .redisError where application == .redis:
                let chosen = entries[index].random.nextUnit() < toxic.toxicity
                if chosen, answer == nil, outstanding <= 0 {
                    let error = toxic.text(.error) ?? "ERR injected by interpose"
                    answer = .answer(
                        InjectedAnswer.redis(error: error), instead: request,
                        note:
                            "\(toxic.name): answered -\(error.split(separator: " ").first ?? "") instead of forwarding \(message.summary)"
                    )
                }
            default:
                break
            }
        }
        if let answer { return answer }
        forwarded += 1
        return .forward(request)
    }
}
