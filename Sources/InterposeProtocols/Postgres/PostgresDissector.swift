import DequeModule
import InterposeCore
import NIOCore

/// Reads PostgreSQL frontend/backend protocol 3 conversations, both directions: the startup
/// (SSLRequest and GSSENCRequest with their one-byte answers, StartupMessage, the authentication
/// exchange), simple and extended queries with pipelining, COPY in both directions, and the
/// asynchronous messages (notices, parameter changes, notifications).
///
/// Each client unit of work is a request and everything the server sends for it up to its
/// ReadyForQuery is the response:
/// - the StartupMessage and the authentication that follows (`Startup`);
/// - a simple Query (`Query`, keyed by its statement kind: `SELECT`, `CREATE TABLE`);
/// - the extended-protocol messages (Parse, Bind, Describe, Execute, Close, Flush) up to a Sync
///   (`Extended`, keyed by the parsed statement's kind, else `Execute`);
/// - a FunctionCall; a Terminate (not answered).
///
/// Responses pair with requests first in, first out, as the server answers them (several Syncs may
/// be sent before the first ReadyForQuery). An ErrorResponse gives the response its SQLSTATE as the
/// status (`00000` when none came); errors themselves are not findings, protocol violations are.
/// A response is named after what ended it or matters most in it (`CommandComplete` with the tags as
/// summary, `ErrorResponse`, `EmptyQueryResponse`, `AuthenticationOk`, else `ReadyForQuery`), and its
/// summary ends with the transaction state ReadyForQuery reports (` [in transaction]`,
/// ` [failed transaction]`). Notices, parameter changes and key data outside an exchange, and
/// notifications always, are events. After an SSLRequest the server accepted, the rest of the
/// conversation is TLS and handed on to the TLS dissector.
public struct PostgresDissector: Dissector {
    public let application = ApplicationProtocol.postgres

    /// Unexpected-message findings reported at most, per conversation.
    static let unexpectedReportLimit = 10
    /// Requests waiting for their ReadyForQuery kept at most; the oldest half is dropped beyond.
    static let pendingLimit = 100_000

    private enum Kind {
        case startup, query, extended, encryption
    }

    /// A request waiting for its answer.
    private struct Pending {
        var index: Int
        var kind: Kind
        var key: String
        var summary: String
        var start: Timestamp
        var bytes: Int64
        /// Client bytes before it that no message claims (`Message.skippedBefore`).
        var skippedBefore: Int64 = 0
        var fingerprint = FNV1a()
        /// An extended-protocol unit whose Sync has not come yet.
        var isOpen = false
        var sawParse = false
    }

    /// What the server sent so far for the oldest pending request.
    private struct Exchange {
        var start: Timestamp?
        var bytes: Int64 = 0
        var tags: [String] = []
        var tagCount = 0
        var error: PostgresErrorFields?
        var authentication: String?
        var serverVersion: String?
        var emptyQuery = false
        /// Rows, descriptions, tags and errors as sent (each message's kept prefix with its type
        /// and length), for `interpose diff`.
        var content = ContentHash()
    }

    private var clientReader = PostgresMessageReader(framing: .untyped)
    private var serverReader = PostgresMessageReader(framing: .typed)
    private var pending: Deque<Pending> = []
    private var exchange = Exchange()
    private var nextIndex = 0
    /// Client bytes since the last request that no message claims (password, SASL, COPY data).
    private var skippedClientBytes: Int64 = 0
    /// An extended-protocol unit entered COPY FROM STDIN after its Sync was already sent: the server
    /// ignores a Sync during copy-in, so the client's next Sync (after CopyDone or CopyFail) ends
    /// that same unit and gets its one ReadyForQuery, rather than starting a unit of its own.
    private var copyInSyncOwed = false
    private var version = "3.0"
    private var inner: (any Dissector)?
    private var stopped = false
    private var unexpectedReported = 0

    /// A dissector at the start of a conversation.
    public init() {}

    public mutating func receive(
        _ bytes: ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        guard !stopped else { return }
        if inner != nil {
            inner!.receive(bytes, direction: direction, at: timestamp, packet: packet, into: &output)
            return
        }
        var work = withReader(direction) { $0.cursor.begin(with: bytes) }
        while true {
            switch nextMessage(direction, &work, at: timestamp) {
            case .failure(.malformed(let reason)):
                stop(
                    code: .postgresMalformed,
                    message: "malformed PostgreSQL \(direction): \(reason)", packet: packet, into: &output)
                return
            case .success(nil):
                withReader(direction) { $0.cursor.keep(work) }
                return
            case .success(let message?):
                take(message, direction: direction, at: timestamp, packet: packet, into: &output)
                if stopped { return }
                if inner != nil {
                    // The rest of this frame already belongs to the protocol handed on to.
                    if work.readableBytes > 0 {
                        inner!.receive(work, direction: direction, at: timestamp, packet: packet, into: &output)
                    }
                    return
                }
            }
        }
    }

    public mutating func gap(
        _ size: Int, direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard !stopped else { return }
        if inner != nil {
            inner!.gap(size, direction: direction, at: timestamp, packet: packet, into: &output)
            return
        }
        switch withReader(direction, { $0.skipGap(size) }) {
        case .skipped:
            // Body bytes are counted, not read: a hole inside a body loses nothing needed.
            break
        case .completed(let message):
            take(message, direction: direction, at: timestamp, packet: packet, into: &output)
        case .unreadable:
            stop(
                code: .postgresUnreadableAfterGap,
                message:
                    "\(size) bytes missing \(direction) outside a message body: the messages after it cannot be framed",
                packet: packet, into: &output)
        }
    }

    public mutating func finish(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard !stopped else { return }
        inner?.finish(direction: direction, at: timestamp, packet: packet, into: &output)
    }

    public mutating func end(reset: Bool, at timestamp: Timestamp, into output: inout DissectorOutput) {
        guard !stopped else { return }
        if inner != nil {
            inner!.end(reset: reset, at: timestamp, into: &output)
            return
        }
        for direction in Direction.allCases {
            let reader = direction == .clientToServer ? clientReader : serverReader
            guard reader.isInsideMessage else { continue }
            // Spelled out: a closure here crashed the Swift 6.3.1 optimizer (CopyPropagation) in -c release.
            var what = "message header"
            if let type = reader.partialType {
                what = type == 0 ? "startup-phase message" : "message '\(PostgresMessageReader.printable(type))'"
            }
            output.report(
                DissectorFinding(
                    code: .postgresIncompleteMessage,
                    message:
                        "connection \(reset ? "reset" : "closed") in the middle of a \(what) \(direction) (\(reader.partialBytes) bytes read)",
                    messageIndex: pending.first?.index))
        }
    }

    // MARK: - Framing

    private mutating func withReader<T>(_ direction: Direction, _ body: (inout PostgresMessageReader) -> T) -> T {
        direction == .clientToServer ? body(&clientReader) : body(&serverReader)
    }

    private mutating func nextMessage(
        _ direction: Direction, _ work: inout ByteBuffer, at timestamp: Timestamp
    ) -> Result<PostgresMessageReader.RawMessage?, PostgresMessageReader.Failure> {
        do {
            if direction == .clientToServer {
                return .success(try clientReader.next(&work, at: timestamp))
            }
            return .success(try serverReader.next(&work, at: timestamp))
        } catch {
            return .failure(error)
        }
    }

    private mutating func take(
        _ message: PostgresMessageReader.RawMessage, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        if direction == .clientToServer {
            takeFrontend(message, at: timestamp, packet: packet, into: &output)
        } else {
            takeBackend(message, at: timestamp, packet: packet, into: &output)
        }
    }

    // MARK: - Client messages

    private mutating func takeFrontend(
        _ message: PostgresMessageReader.RawMessage, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        if message.type == 0 {
            takeStartupPhase(message, at: timestamp, packet: packet, into: &output)
            return
        }
        switch PostgresFrontendMessageID(rawValue: message.type) {
        case .query:
            var body = PostgresBody(message.body)
            let (sql, complete) = body.cString() ?? ("", true)
            let truncated = !complete || !message.bodyIntact
            let kind = PostgresSQL.kind(sql)
            var request = startRequest(
                kind: .query, key: kind, summary: PostgresSQL.excerpt(sql, truncated: truncated), message: message)
            request.fingerprint.add("Q")
            request.fingerprint.add(message.body)
            request.fingerprint.add(String(message.length))
            emitRequest(request, name: "Query", at: timestamp, packet: packet, into: &output)
            enqueue(request)
        case .functionCall:
            var body = PostgresBody(message.body)
            let function = body.int32().map { "function OID \($0)" } ?? "function"
            var request = startRequest(kind: .query, key: "FunctionCall", summary: "call " + function, message: message)
            request.fingerprint.add(message.body)
            emitRequest(request, name: "FunctionCall", at: timestamp, packet: packet, into: &output)
            enqueue(request)
        case .parse, .bind, .describe, .execute, .close, .flush, .sync:
            takeExtended(message, at: timestamp, packet: packet, into: &output)
        case .terminate:
            let request = startRequest(kind: .query, key: "Terminate", summary: "Terminate", message: message)
            emitRequest(
                request, name: "Terminate", expectsResponse: false, at: timestamp, packet: packet, into: &output)
        case .password, .copyData, .copyDone, .copyFail:
            // Password and SASL messages belong to the startup exchange; COPY data, done and fail
            // to the query that started the COPY. Neither starts a unit of work: their bytes are
            // the open extended unit's, or skipped before the next request.
            if pending.last?.isOpen == true {
                pending[pending.count - 1].bytes += message.bytes
            } else {
                skippedClientBytes += message.bytes
            }
        case nil:
            stop(
                code: .postgresMalformed,
                message:
                    "unknown frontend message type '\(PostgresMessageReader.printable(message.type))' (\(message.bytes) bytes)",
                packet: packet, into: &output)
        }
    }

    private mutating func takeStartupPhase(
        _ message: PostgresMessageReader.RawMessage, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        var body = PostgresBody(message.body)
        let code = body.int32() ?? 0
        switch code {
        case PostgresStartupCode.sslRequest.rawValue, PostgresStartupCode.gssEncRequest.rawValue:
            let name = code == PostgresStartupCode.sslRequest.rawValue ? "SSLRequest" : "GSSENCRequest"
            let request = startRequest(kind: .encryption, key: name, summary: name, message: message)
            emitRequest(request, name: name, at: timestamp, packet: packet, into: &output)
            enqueue(request)
            serverReader.framing = .singleByte
        case PostgresStartupCode.cancelRequest.rawValue:
            let pid = body.int32().map { " pid \($0)" } ?? ""
            let request = startRequest(
                kind: .query, key: "CancelRequest", summary: "cancel backend" + pid, message: message)
            emitRequest(
                request, name: "CancelRequest", expectsResponse: false, at: timestamp, packet: packet, into: &output)
        case _ where code >> 16 == 3:
            version = "\(code >> 16).\(code & 0xFFFF)"
            var parameters: [String: String] = [:]
            while let name = body.string(), !name.isEmpty, let value = body.string() {
                if parameters.count < 32 { parameters[name] = value }
            }
            let user = parameters["user"] ?? "?"
            let database = parameters["database"] ?? user
            var request = startRequest(
                kind: .startup, key: "Startup", summary: "startup user=\(user) database=\(database)", message: message)
            request.fingerprint.add(message.body)
            emitRequest(request, name: "Startup", at: timestamp, packet: packet, into: &output)
            enqueue(request)
            clientReader.framing = .typed
        default:
            stop(
                code: .postgresMalformed,
                message: "startup-phase message with unknown protocol version or request code \(code)",
                packet: packet, into: &output)
        }
    }

    private mutating func takeExtended(
        _ message: PostgresMessageReader.RawMessage, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        if copyInSyncOwed, message.type == PostgresFrontendMessageID.sync.rawValue, pending.last?.isOpen != true {
            // The Sync that really ends the unit in copy-in: its bytes belong to no new request.
            copyInSyncOwed = false
            skippedClientBytes += message.bytes
            return
        }
        if pending.last?.isOpen != true {
            var request = startRequest(kind: .extended, key: "Execute", summary: "", message: message)
            request.isOpen = true
            request.bytes = 0
            enqueue(request)
        }
        let last = pending.count - 1
        pending[last].bytes += message.bytes
        var body = PostgresBody(message.body)
        switch PostgresFrontendMessageID(rawValue: message.type) {
        case .parse:
            _ = body.string()  // the statement name
            let (sql, complete) = body.cString() ?? ("", true)
            pending[last].fingerprint.add(sql)
            if !pending[last].sawParse {
                pending[last].sawParse = true
                pending[last].key = PostgresSQL.kind(sql)
                pending[last].summary = PostgresSQL.excerpt(sql, truncated: !complete || !message.bodyIntact)
            }
        case .bind:
            _ = body.string()
            let statement = body.string() ?? ""
            pending[last].fingerprint.add(statement)
            if pending[last].summary.isEmpty {
                pending[last].summary =
                    statement.isEmpty ? "execute unnamed statement" : "execute \"\(PostgresSQL.excerpt(statement))\""
            }
        case .sync:
            pending[last].isOpen = false
            let request = pending[last]
            if request.summary.isEmpty { pending[last].summary = "Sync" }
            if !request.sawParse && request.summary.isEmpty { pending[last].key = "Sync" }
            emitRequest(pending[last], name: "Extended", at: timestamp, packet: packet, into: &output)
        default:
            break
        }
    }

    private mutating func startRequest(
        kind: Kind, key: String, summary: String, message: PostgresMessageReader.RawMessage
    ) -> Pending {
        defer {
            nextIndex += 1
            skippedClientBytes = 0
        }
        return Pending(
            index: nextIndex, kind: kind, key: key, summary: summary, start: message.start, bytes: message.bytes,
            skippedBefore: skippedClientBytes)
    }

    private mutating func enqueue(_ request: Pending) {
        pending.append(request)
        if pending.count > PostgresDissector.pendingLimit {
            pending.removeFirst(pending.count / 2)
        }
    }

    private func emitRequest(
        _ request: Pending, name: String, expectsResponse: Bool = true, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        var fingerprint = request.fingerprint
        fingerprint.add(request.key)
        var message = Message(
            index: request.index, role: .request, application: .postgres, direction: .clientToServer,
            start: request.start, end: timestamp, packet: packet, name: name, summary: request.summary,
            key: request.key, version: version, expectsResponse: expectsResponse, bytes: request.bytes,
            fingerprint: fingerprint.value)
        message.skippedBefore = request.skippedBefore
        output.emit(message)
    }

    // MARK: - Server messages

    private mutating func takeBackend(
        _ message: PostgresMessageReader.RawMessage, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        if serverReader.framing == .singleByte {
            takeEncryptionAnswer(message, at: timestamp, packet: packet, into: &output)
            return
        }
        var body = PostgresBody(message.body)
        let id = PostgresBackendMessageID(rawValue: message.type)
        switch id {
        case .readyForQuery:
            guard !pending.isEmpty else {
                return unexpected(
                    message, "ReadyForQuery with no request waiting for it", packet: packet, into: &output)
            }
            addToExchange(message)
            let state: String
            switch body.byte() {
            case UInt8(ascii: "T"): state = " [in transaction]"
            case UInt8(ascii: "E"): state = " [failed transaction]"
            default: state = ""
            }
            respond(suffix: state, at: timestamp, packet: packet, into: &output)
        case .notificationResponse:
            let pid = body.int32() ?? 0
            let channel = body.string() ?? ""
            let payload = body.string() ?? ""
            emitEvent(
                message, name: "NotificationResponse",
                summary: "NOTIFY \(PostgresSQL.excerpt(channel))"
                    + (payload.isEmpty ? "" : ": \(PostgresSQL.excerpt(payload))") + " (pid \(pid))",
                at: timestamp, packet: packet, into: &output)
        case .noticeResponse, .parameterStatus, .backendKeyData:
            if !pending.isEmpty {
                addToExchange(message)
                if id == .parameterStatus, body.string() == "server_version" {
                    exchange.serverVersion = body.string()
                }
                return
            }
            switch id {
            case .noticeResponse:
                emitEvent(
                    message, name: "NoticeResponse", summary: PostgresErrorFields(body: message.body).summary,
                    at: timestamp, packet: packet, into: &output)
            case .parameterStatus:
                let name = body.string() ?? ""
                let value = body.string() ?? ""
                emitEvent(
                    message, name: "ParameterStatus",
                    summary: "\(PostgresSQL.excerpt(name))=\(PostgresSQL.excerpt(value))", at: timestamp,
                    packet: packet, into: &output)
            default:
                emitEvent(
                    message, name: "BackendKeyData", summary: "backend pid \(body.int32() ?? 0)", at: timestamp,
                    packet: packet, into: &output)
            }
        case .errorResponse:
            let error = PostgresErrorFields(body: message.body)
            guard !pending.isEmpty else {
                // A FATAL sent on its own (the server shutting down): not an answer, but an outcome.
                emitEvent(
                    message, name: "ErrorResponse", summary: error.summary, status: error.status,
                    endsSession: error.endsSession, at: timestamp, packet: packet, into: &output)
                return
            }
            addToExchange(message)
            if exchange.error == nil { exchange.error = error }
            if error.endsSession || pending[0].kind == .startup {
                // No ReadyForQuery follows: the server closes the connection.
                respond(suffix: "", endsSession: error.endsSession, at: timestamp, packet: packet, into: &output)
            }
        case .authentication:
            guard pending.first?.kind == .startup else {
                return unexpected(message, "authentication request outside the startup", packet: packet, into: &output)
            }
            addToExchange(message)
            let method: String?
            switch body.int32() {
            case 0: method = nil
            case 2: method = "Kerberos V5"
            case 3: method = "cleartext password"
            case 5: method = "MD5"
            case 7, 8: method = "GSSAPI"
            case 9: method = "SSPI"
            case 10: method = "SASL " + PostgresDissector.saslMechanisms(&body)
            case 11, 12: method = nil
            default: method = "unknown method"
            }
            if let method, exchange.authentication == nil { exchange.authentication = method }
        case .negotiateProtocolVersion:
            guard pending.first?.kind == .startup else {
                return unexpected(
                    message, "NegotiateProtocolVersion outside the startup", packet: packet, into: &output)
            }
            addToExchange(message)
        case .commandComplete:
            guard requireQuery(message, packet: packet, into: &output) else { return }
            PostgresDissector.addContent(message, to: &exchange.content)
            exchange.tagCount += 1
            if exchange.tags.count < 3 { exchange.tags.append(PostgresSQL.excerpt(body.string() ?? "")) }
        case .emptyQueryResponse:
            guard requireQuery(message, packet: packet, into: &output) else { return }
            exchange.emptyQuery = true
        case .copyInResponse:
            guard requireQuery(message, packet: packet, into: &output) else { return }
            if pending.first?.kind == .extended, pending.first?.isOpen == false { copyInSyncOwed = true }
        case .rowDescription, .dataRow, .parseComplete, .bindComplete, .closeComplete, .noData,
            .parameterDescription, .portalSuspended, .copyOutResponse, .copyBothResponse,
            .copyData, .copyDone, .functionCallResponse:
            if requireQuery(message, packet: packet, into: &output),
                id == .dataRow || id == .rowDescription || id == .copyData
            {
                PostgresDissector.addContent(message, to: &exchange.content)
            }
        case nil:
            stop(
                code: .postgresMalformed,
                message:
                    "unknown backend message type '\(PostgresMessageReader.printable(message.type))' (\(message.bytes) bytes)",
                packet: packet, into: &output)
        }
    }

    private mutating func takeEncryptionAnswer(
        _ message: PostgresMessageReader.RawMessage, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        serverReader.framing = .typed
        let asked = pending.first?.kind == .encryption ? pending.first?.key ?? "SSLRequest" : "SSLRequest"
        let accepted: Bool
        switch (asked, message.type) {
        case ("SSLRequest", UInt8(ascii: "S")), ("GSSENCRequest", UInt8(ascii: "G")):
            accepted = true
        case (_, UInt8(ascii: "N")):
            accepted = false
        default:
            stop(
                code: .postgresMalformed,
                message:
                    "answer '\(PostgresMessageReader.printable(message.type))' to \(asked) is neither accepted nor refused",
                packet: packet, into: &output)
            return
        }
        addToExchange(message)
        let what = asked == "SSLRequest" ? "SSL" : "GSS encryption"
        respond(
            name: String(UnicodeScalar(message.type)),
            summary: accepted ? "\(what) accepted" : "\(what) refused", suffix: "", at: timestamp, packet: packet,
            into: &output)
        guard accepted else { return }
        // The rest of the conversation is encrypted: TLS is read on as TLS, GSSAPI as raw bytes.
        inner = ConversationDissector.makeDissector(for: asked == "SSLRequest" ? .tls : .raw)
        let kept = clientReader.cursor.begin(with: ByteBuffer())
        clientReader.cursor.reset()
        if kept.readableBytes > 0 {
            inner!.receive(kept, direction: .clientToServer, at: timestamp, packet: packet, into: &output)
        }
    }

    /// Whether a query is waiting for the message; reports it as unexpected when not.
    private mutating func requireQuery(
        _ message: PostgresMessageReader.RawMessage, packet: Int?, into output: inout DissectorOutput
    ) -> Bool {
        guard let first = pending.first, first.kind == .query || first.kind == .extended else {
            unexpected(
                message, pending.isEmpty ? "no query is waiting for an answer" : "the startup is not finished",
                packet: packet, into: &output)
            return false
        }
        addToExchange(message)
        return true
    }

    private mutating func addToExchange(_ message: PostgresMessageReader.RawMessage) {
        if exchange.start == nil { exchange.start = message.start }
        exchange.bytes += message.bytes
    }

    /// Emits the response to the oldest pending request from what the exchange gathered.
    private mutating func respond(
        name: String? = nil, summary: String? = nil, suffix: String, endsSession: Bool = false, at timestamp: Timestamp,
        packet: Int?, into output: inout DissectorOutput
    ) {
        guard !pending.isEmpty else { return }
        let request = pending.removeFirst()
        let gathered = exchange
        exchange = Exchange()
        let status = gathered.error?.status ?? MessageStatus(.success, code: "00000")
        var responseName = name ?? "ReadyForQuery"
        var text = summary ?? "ready"
        if let error = gathered.error {
            responseName = "ErrorResponse"
            text = error.summary
        } else if name == nil {
            if request.kind == .startup {
                responseName = "AuthenticationOk"
                text = "authenticated (\(gathered.authentication ?? "trust"))"
                if let serverVersion = gathered.serverVersion {
                    text += ", server \(PostgresSQL.excerpt(serverVersion))"
                }
            } else if !gathered.tags.isEmpty {
                responseName = "CommandComplete"
                text = gathered.tags.joined(separator: ", ")
                if gathered.tagCount > gathered.tags.count {
                    text += " (+\(gathered.tagCount - gathered.tags.count) more)"
                }
            } else if gathered.emptyQuery {
                responseName = "EmptyQueryResponse"
                text = "empty query"
            }
        }
        var response = Message(
            index: nextIndex, role: .response, application: .postgres, direction: .serverToClient,
            start: gathered.start ?? timestamp, end: timestamp, packet: packet, name: responseName,
            summary: text + suffix, key: request.key, version: version, answers: request.index, status: status,
            bytes: gathered.bytes, bodyFingerprint: gathered.content.value)
        response.endsSession = endsSession
        output.emit(response)
        nextIndex += 1
    }

    /// A backend message into a response's content hash: type, declared length and the kept prefix
    /// of its body (a row longer than the prefix differs only if its start or length does).
    private static func addContent(_ message: PostgresMessageReader.RawMessage, to hash: inout ContentHash) {
        let length = UInt32(truncatingIfNeeded: message.length)
        let header: [UInt8] = [
            message.type, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF),
            UInt8(length & 0xFF),
        ]
        header.withUnsafeBytes { hash.add($0) }
        message.body.withUnsafeBytes { hash.add($0) }
    }

    private mutating func emitEvent(
        _ message: PostgresMessageReader.RawMessage, name: String, summary: String, status: MessageStatus? = nil,
        endsSession: Bool = false, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        var event = Message(
            index: nextIndex, role: .event, application: .postgres, direction: .serverToClient,
            start: message.start,
            end: timestamp, packet: packet, name: name, summary: summary, version: version, status: status,
            bytes: message.bytes)
        event.endsSession = endsSession
        output.emit(event)
        nextIndex += 1
    }

    private mutating func unexpected(
        _ message: PostgresMessageReader.RawMessage, _ reason: String, packet: Int?, into output: inout DissectorOutput
    ) {
        guard unexpectedReported < PostgresDissector.unexpectedReportLimit else { return }
        unexpectedReported += 1
        output.report(
            DissectorFinding(
                code: .postgresUnexpectedMessage,
                message:
                    "backend message '\(PostgresMessageReader.printable(message.type))' cannot come here: \(reason)",
                detail: unexpectedReported == PostgresDissector.unexpectedReportLimit
                    ? "further unexpected messages are not reported" : nil,
                packet: packet))
    }

    private mutating func stop(
        code: FindingCode, severity: Severity? = nil, message: String, packet: Int?, into output: inout DissectorOutput
    ) {
        stopped = true
        clientReader.cursor.reset()
        serverReader.cursor.reset()
        output.report(
            DissectorFinding(
                code: code, severity: severity, message: message,
                detail: "the rest of the conversation is not dissected",
                packet: packet, messageIndex: pending.first?.index))
    }

    /// The SASL mechanisms an AuthenticationSASL offers: `SCRAM-SHA-256`.
    private static func saslMechanisms(_ body: inout PostgresBody) -> String {
        var names: [String] = []
        while names.count < 4, let name = body.string(), !name.isEmpty { names.append(PostgresSQL.excerpt(name)) }
        return names.joined(separator: ", ")
    }
}
