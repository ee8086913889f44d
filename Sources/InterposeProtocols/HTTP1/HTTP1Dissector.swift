import InterposeCore
import NIOCore

/// Reads HTTP/1.0 and HTTP/1.1 (RFC 9112) both ways: requests and responses with their framing
/// (Content-Length, chunked with trailers, close-delimited), HEAD, 1xx, 204 and 304 without bodies,
/// pipelining, Upgrade and CONNECT (the rest of the stream is handed on: h2c to HTTP/2, anything
/// else read as raw).
///
/// Responses are paired with requests in order (HTTP/1.1 has no other way); when both carry a
/// correlation header (`X-Request-Id`, `X-Correlation-Id`, `Request-Id`) a response that names a
/// later request than the one it answers is reported as out of order.
///
/// A response's `bodyFingerprint` is a `ContentHash` of its body as it passes (no byte is kept):
/// for a chunked body over the de-chunked data (chunk sizes, extensions and trailers left out),
/// otherwise over the bytes as sent (a compressed body is not decompressed), and its length.
/// Bytes lost in a capture gap cannot be fingerprinted.
public struct HTTP1Dissector: Dissector {
    public let application = ApplicationProtocol.http1

    /// Longest head (start line and fields) read; longer is malformed.
    static let headLimit = 64 * 1024
    /// Longest chunk-size line.
    static let chunkLineLimit = 4 * 1024
    /// Body bytes that go into a request's fingerprint.
    static let fingerprintBodyBytes = 1024

    private struct Pending {
        var index: Int
        var method: String
        var target: String
        /// What statistics group the request and its response under (`GET /users/{id}`).
        var key: String
        var requestID: String?
        var upgrade: String?
    }

    private struct InProgress {
        var index: Int
        var start: Timestamp
        var name: String
        var summary: String
        var key: String
        var version: String
        var head: HTTP1Head
        var bytes: Int64
        var bodyBytes: Int64 = 0
        var declaredLength: Int64?
        var fingerprint = FNV1a()
        var bodyFingerprint = ContentHash()
        var answers: Int?
        var status: MessageStatus?
        var method: String?
        /// A 101 that only announces the switch: the answer comes in the new protocol (h2c).
        var interim = false
    }

    private enum State {
        case head
        case body(remaining: Int64)
        case chunkSize
        case chunkData(remaining: Int64)
        case chunkDataEnd
        case trailers
        case untilClose
        case handedOn
        /// After a gap: bytes are skipped up to the next line that starts a message.
        case resync
        case stopped
    }

    private struct Side {
        var state = State.head
        var cursor = StreamCursor()
        var current: InProgress?
        var lastWasLengthDelimited = false
    }

    private var requests = Side()
    private var responses = Side()
    private var pending: [Pending] = []
    private var nextIndex = 0
    private var inner: (any Dissector)?
    private var resyncs = 0
    private var stoppedReported = false

    /// A dissector at the start of a conversation.
    public init() {}

    public mutating func receive(
        _ bytes: ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        if case .handedOn = side(direction).state {
            inner?.receive(bytes, direction: direction, at: timestamp, packet: packet, into: &output)
            return
        }
        var work = modifySide(direction) { $0.cursor.begin(with: bytes) }
        parse(&work, direction: direction, at: timestamp, packet: packet, into: &output)
        if case .handedOn = side(direction).state, work.readableBytes > 0 {
            inner?.receive(work, direction: direction, at: timestamp, packet: packet, into: &output)
            work.moveReaderIndex(forwardBy: work.readableBytes)
        }
        modifySide(direction) { $0.cursor.keep(work) }
    }

    public mutating func gap(
        _ size: Int, direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        switch side(direction).state {
        case .handedOn:
            inner?.gap(size, direction: direction, at: timestamp, packet: packet, into: &output)
        case .body(let remaining) where Int64(size) <= remaining && side(direction).cursor.keptBytes == 0:
            // Body bytes are counted, not read: a hole inside a body loses nothing the dissector needs.
            modifySide(direction) {
                $0.state = Int64(size) == remaining ? .head : .body(remaining: remaining - Int64(size))
                $0.current?.bytes += Int64(size)
                $0.current?.bodyBytes += Int64(size)
            }
            if Int64(size) == remaining {
                complete(direction, at: timestamp, packet: packet, into: &output)
            }
        case .untilClose:
            modifySide(direction) { $0.current?.bytes += Int64(size) }
        case .stopped, .resync:
            break
        default:
            resynchronize(after: size, direction: direction, packet: packet, into: &output)
        }
    }

    /// A gap in HTTP framing: what was in flight is dropped, and the direction resumes at the next
    /// line that starts a message (a request line, a status line). Pairing from there is by order
    /// again, so the completeness checks are off for the conversation (the finding says so), but
    /// messages, statuses and their counts go on.
    private mutating func resynchronize(
        after size: Int, direction: Direction, packet: Int?, into output: inout DissectorOutput
    ) {
        pending.removeAll()
        // The other direction's stream is intact and goes on where it is.
        modifySide(direction) { side in
            side.current = nil
            side.cursor.reset()
            side.state = .resync
            side.lastWasLengthDelimited = false
        }
        resyncs += 1
        guard resyncs == 1 else { return }
        output.report(
            DissectorFinding(
                code: .httpUnreadableAfterGap,
                message:
                    "\(size) bytes missing \(direction) in the middle of HTTP framing; reading resumes at the next message",
                detail:
                    "requests and responses around the gap cannot be paired, so completeness is not checked for this conversation",
                packet: packet, endsDissection: true))
    }

    /// The offset of the first line in `buffer` that starts an HTTP message of `direction`, if any,
    /// and the offset of its last line (to keep when it is too short to tell).
    private static func messageStart(in buffer: ByteBuffer, direction: Direction) -> (start: Int?, lastLine: Int) {
        buffer.withUnsafeReadableBytes { bytes -> (Int?, Int) in
            var lineStart = 0
            while lineStart < bytes.count {
                let rest = UnsafeRawBufferPointer(rebasing: bytes[lineStart...])
                if direction == .serverToClient {
                    if rest.starts(with: "HTTP/1.".utf8) { return (lineStart, lineStart) }
                } else if HTTP1Dissector.resyncMethods.contains(where: { rest.starts(with: $0) }) {
                    return (lineStart, lineStart)
                }
                guard let newline = rest.firstIndex(of: 0x0A) else { return (nil, lineStart) }
                lineStart += newline + 1
            }
            return (nil, lineStart)
        }
    }

    private static let resyncMethods: [[UInt8]] = [
        "GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ",
    ].map { Array($0.utf8) }

    public mutating func finish(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        switch side(direction).state {
        case .handedOn:
            inner?.finish(direction: direction, at: timestamp, packet: packet, into: &output)
        case .untilClose:
            complete(direction, at: timestamp, packet: packet, into: &output)
            modifySide(direction) { $0.state = .stopped }
        default:
            break
        }
    }

    public mutating func end(reset: Bool, at timestamp: Timestamp, into output: inout DissectorOutput) {
        inner?.end(reset: reset, at: timestamp, into: &output)
        for direction in Direction.allCases {
            let side = side(direction)
            if case .untilClose = side.state, !reset {
                complete(direction, at: timestamp, packet: nil, into: &output)
                continue
            }
            if let current = side.current {
                let what = direction == .clientToServer ? "request" : "response"
                var detail = "\(current.bodyBytes) body bytes"
                if let declared = current.declaredLength { detail += " of the \(declared) its Content-Length declares" }
                let lengthShort = current.declaredLength.map { current.bodyBytes < $0 } ?? false
                output.report(
                    DissectorFinding(
                        code: lengthShort && !reset
                            ? .httpContentLengthMismatch
                            : (direction == .clientToServer ? .httpIncompleteRequest : .httpIncompleteResponse),
                        message:
                            "\(reset ? "connection reset" : "connection closed") in the middle of the \(what) '\(current.summary)'",
                        detail: detail, messageIndex: current.index))
            } else if side.cursor.keptBytes > 0 {
                output.report(
                    DissectorFinding(
                        code: direction == .clientToServer ? .httpIncompleteRequest : .httpIncompleteResponse,
                        severity: .error,
                        message:
                            "connection ended in the middle of a head (\(side.cursor.keptBytes) bytes \(direction))"))
            }
        }
    }

    // MARK: - Parsing

    private func side(_ direction: Direction) -> Side {
        direction == .clientToServer ? requests : responses
    }

    @discardableResult
    private mutating func modifySide<T>(_ direction: Direction, _ body: (inout Side) -> T) -> T {
        direction == .clientToServer ? body(&requests) : body(&responses)
    }

    private mutating func parse(
        _ work: inout ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        while work.readableBytes > 0 {
            switch side(direction).state {
            case .head:
                // Empty lines before a start line are ignored (RFC 9112 2.2).
                while let byte = work.getInteger(at: work.readerIndex, as: UInt8.self), byte == 0x0D || byte == 0x0A,
                    side(direction).current == nil
                {
                    work.moveReaderIndex(forwardBy: 1)
                }
                guard work.readableBytes > 0 else { return }
                if direction == .serverToClient, side(direction).current == nil,
                    let start = work.getBytes(at: work.readerIndex, length: min(5, work.readableBytes)),
                    !"HTTP/".utf8.starts(with: start)
                {
                    // Not the start of a status line: fail now rather than wait for an empty line.
                    let excerpt = work.getString(at: work.readerIndex, length: min(40, work.readableBytes)) ?? ""
                    readHead(
                        Result { () throws(HTTP1Head.Problem) in try HTTP1Head.parse(excerpt, isRequest: false) },
                        bytes: 0,
                        direction: direction, at: timestamp, packet: packet, into: &output)
                    work.moveReaderIndex(forwardBy: work.readableBytes)
                    return
                }
                guard let length = work.headLength(limit: HTTP1Dissector.headLimit) else {
                    if work.readableBytes >= HTTP1Dissector.headLimit {
                        stop(
                            "an HTTP head \(direction) is longer than \(HTTP1Dissector.headLimit) bytes without an empty line",
                            code: .httpMalformed, packet: packet, into: &output)
                        work.moveReaderIndex(forwardBy: work.readableBytes)
                    }
                    return
                }
                let isRequest = direction == .clientToServer
                let head = work.withUnsafeReadableBytes { raw in
                    Result { () throws(HTTP1Head.Problem) in
                        try HTTP1Head.parse(UnsafeRawBufferPointer(rebasing: raw[..<length]), isRequest: isRequest)
                    }
                }
                work.moveReaderIndex(forwardBy: length)
                readHead(head, bytes: length, direction: direction, at: timestamp, packet: packet, into: &output)
            case .body(let remaining):
                let n = Int(min(Int64(work.readableBytes), remaining))
                consumeBody(&work, count: n, direction: direction)
                if Int64(n) == remaining {
                    modifySide(direction) { $0.state = .head }
                    complete(direction, at: timestamp, packet: packet, into: &output)
                } else {
                    modifySide(direction) { $0.state = .body(remaining: remaining - Int64(n)) }
                }
            case .chunkSize:
                guard let length = work.lineLength(limit: HTTP1Dissector.chunkLineLimit) else {
                    if work.readableBytes >= HTTP1Dissector.chunkLineLimit {
                        stop(
                            "a chunk-size line \(direction) is longer than \(HTTP1Dissector.chunkLineLimit) bytes",
                            code: .httpMalformed, packet: packet, into: &output)
                        work.moveReaderIndex(forwardBy: work.readableBytes)
                    }
                    return
                }
                let line = work.readLine(length: length)
                modifySide(direction) { $0.current?.bytes += Int64(length) }
                let digits = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces() } ?? ""
                guard !digits.isEmpty, digits.count <= 15, let size = Int64(digits, radix: 16), size >= 0 else {
                    stop(
                        "chunk size '\(HTTP1Head.excerpt(line))' \(direction) is not hexadecimal",
                        code: .httpMalformed, packet: packet, into: &output)
                    return
                }
                modifySide(direction) { $0.state = size == 0 ? .trailers : .chunkData(remaining: size) }
            case .chunkData(let remaining):
                let n = Int(min(Int64(work.readableBytes), remaining))
                consumeBody(&work, count: n, direction: direction)
                modifySide(direction) {
                    $0.state = Int64(n) == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - Int64(n))
                }
            case .chunkDataEnd:
                guard let length = work.lineLength(limit: 2) else {
                    if work.readableBytes >= 2 {
                        stop(
                            "chunk data \(direction) is not followed by CRLF: the chunk size is wrong",
                            code: .httpMalformed, packet: packet, into: &output)
                    }
                    return
                }
                let line = work.readLine(length: length)
                modifySide(direction) { $0.current?.bytes += Int64(length) }
                guard line.isEmpty else {
                    stop(
                        "chunk data \(direction) is not followed by CRLF: the chunk size is wrong",
                        code: .httpMalformed, packet: packet, into: &output)
                    return
                }
                modifySide(direction) { $0.state = .chunkSize }
            case .trailers:
                guard let length = work.lineLength(limit: HTTP1Dissector.headLimit) else {
                    if work.readableBytes >= HTTP1Dissector.headLimit {
                        stop(
                            "chunked trailers \(direction) are longer than \(HTTP1Dissector.headLimit) bytes",
                            code: .httpMalformed, packet: packet, into: &output)
                    }
                    return
                }
                let line = work.readLine(length: length)
                modifySide(direction) { $0.current?.bytes += Int64(length) }
                if line.isEmpty {
                    modifySide(direction) { $0.state = .head }
                    complete(direction, at: timestamp, packet: packet, into: &output)
                }
            case .untilClose:
                consumeBody(&work, count: work.readableBytes, direction: direction)
            case .handedOn:
                return
            case .resync:
                let (start, lastLine) = HTTP1Dissector.messageStart(in: work, direction: direction)
                guard let start else {
                    // Keep a short last line: it may be the beginning of a start line split by the read.
                    let tail = work.readableBytes - lastLine
                    work.moveReaderIndex(forwardBy: tail <= 16 ? lastLine : work.readableBytes)
                    return
                }
                work.moveReaderIndex(forwardBy: start)
                modifySide(direction) { $0.state = .head }
            case .stopped:
                work.moveReaderIndex(forwardBy: work.readableBytes)
            }
        }
    }

    private mutating func consumeBody(_ work: inout ByteBuffer, count: Int, direction: Direction) {
        modifySide(direction) { side in
            guard side.current != nil else { return }
            side.current!.bytes += Int64(count)
            let already = side.current!.bodyBytes
            if direction == .clientToServer, already < HTTP1Dissector.fingerprintBodyBytes {
                let take = min(count, HTTP1Dissector.fingerprintBodyBytes - Int(already))
                work.withUnsafeReadableBytes { side.current!.fingerprint.add($0.prefix(take)) }
            } else if direction == .serverToClient {
                work.withUnsafeReadableBytes {
                    side.current!.bodyFingerprint.add(UnsafeRawBufferPointer(rebasing: $0.prefix(count)))
                }
            }
            side.current!.bodyBytes += Int64(count)
        }
        work.moveReaderIndex(forwardBy: count)
    }

    private mutating func readHead(
        _ parsed: Result<HTTP1Head, HTTP1Head.Problem>, bytes: Int, direction: Direction, at timestamp: Timestamp,
        packet: Int?, into output: inout DissectorOutput
    ) {
        let isRequest = direction == .clientToServer
        let head: HTTP1Head
        do {
            head = try parsed.get()
        } catch {
            var code = error.code
            var reason = error.reason
            if !isRequest, side(direction).lastWasLengthDelimited, code == .httpMalformed {
                code = .httpContentLengthMismatch
                reason =
                    "bytes after a response body are not a response: the previous Content-Length is shorter than the body sent (\(reason))"
            }
            stop(
                "\(isRequest ? "request" : "response") \(reason)", code: code, severity: .error, packet: packet,
                into: &output)
            return
        }
        if head.chunked && head.contentLength != nil {
            output.report(
                DissectorFinding(
                    code: .httpAmbiguousLength,
                    message:
                        "\(isRequest ? "request" : "response") has both Transfer-Encoding and Content-Length (request smuggling risk); chunked framing was used",
                    packet: packet, messageIndex: isRequest ? nextIndex : nil))
        }
        if isRequest {
            startRequest(head, bytes: bytes, at: timestamp, packet: packet, into: &output)
        } else {
            startResponse(head, bytes: bytes, at: timestamp, packet: packet, into: &output)
        }
    }

    private mutating func startRequest(
        _ head: HTTP1Head, bytes: Int, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        let method = head.startLine[0]
        let target = head.startLine[1]
        var fingerprint = FNV1a()
        fingerprint.add(method)
        fingerprint.add(target)
        let index = nextIndex
        nextIndex += 1
        let key = "\(method) \(HTTP1Dissector.normalizedPath(target))"
        requests.current = InProgress(
            index: index, start: timestamp, name: method,
            summary: "\(method) \(HTTP1Head.excerpt(target)) \(head.version)",
            key: key, version: head.version, head: head,
            bytes: Int64(bytes), declaredLength: head.chunked ? nil : head.contentLength, fingerprint: fingerprint,
            method: method)
        pending.append(
            Pending(
                index: index, method: method, target: target, key: key, requestID: head.requestID, upgrade: head.upgrade
            ))
        requests.lastWasLengthDelimited = false
        if head.chunked {
            requests.state = .chunkSize
        } else if head.otherTransferCoding {
            stop(
                "request Transfer-Encoding does not end in chunked: its length cannot be known (RFC 9112 6.3)",
                code: .httpMalformed, packet: packet, into: &output)
        } else if let length = head.contentLength, length > 0 {
            requests.state = .body(remaining: length)
        } else {
            complete(.clientToServer, at: timestamp, packet: packet, into: &output)
        }
    }

    private mutating func startResponse(
        _ head: HTTP1Head, bytes: Int, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        let code = Int(head.startLine[1]) ?? 0
        let reason = head.startLine[2]
        let summary = "\(code)\(reason.isEmpty ? "" : " " + HTTP1Head.excerpt(reason))"
        if (100...199).contains(code) && code != 101 {
            // Interim response: reported, and the request still waits for its final response.
            output.emit(
                Message(
                    index: nextIndex, role: .event, application: .http1, direction: .serverToClient, start: timestamp,
                    end: timestamp, packet: packet, name: String(code), summary: summary, version: head.version,
                    bytes: Int64(bytes)))
            nextIndex += 1
            return
        }
        var answered: Pending?
        if !pending.isEmpty {
            var position = 0
            if let id = head.requestID, pending[0].requestID != id,
                let match = pending.firstIndex(where: { $0.requestID == id })
            {
                position = match
                output.report(
                    DissectorFinding(
                        code: .httpResponseOutOfOrder,
                        message:
                            "response '\(summary)' carries the request id '\(HTTP1Head.excerpt(id))' of a later pipelined request, not that of the request it answers by position",
                        detail:
                            "answers '\(pending[match].method)' request #\(pending[match].index) while request #\(pending[0].index) still waits",
                        packet: packet, messageIndex: pending[match].index))
            }
            answered = pending.remove(at: position)
        }
        let method = answered?.method
        let key = answered?.key ?? "(no request)"
        responses.current = InProgress(
            index: nextIndex, start: timestamp, name: String(code), summary: summary, key: key, version: head.version,
            head: head, bytes: Int64(bytes), declaredLength: nil, answers: answered?.index,
            status: HTTP1Dissector.status(code), method: method)
        nextIndex += 1
        responses.lastWasLengthDelimited = false
        let noBody = method == "HEAD" || code == 204 || code == 304
        if code == 101 || (method == "CONNECT" && (200...299).contains(code)) {
            let upgrade = code == 101 ? (answered?.upgrade ?? head.upgrade) : nil
            var upgraded: HTTP2Dissector.UpgradedRequest?
            if HTTP1Dissector.isH2C(upgrade), let answered {
                // RFC 7540 3.2: the response to the upgrade request comes on HTTP/2 stream 1, and the
                // 101 is only an interim response.
                responses.current?.interim = true
                upgraded = HTTP2Dissector.UpgradedRequest(
                    index: answered.index, method: answered.method, target: answered.target, nextIndex: nextIndex)
            }
            complete(.serverToClient, at: timestamp, packet: packet, into: &output)
            handOn(upgrade: upgrade, upgradedRequest: upgraded)
        } else if noBody {
            complete(.serverToClient, at: timestamp, packet: packet, into: &output)
        } else if head.chunked {
            responses.state = .chunkSize
        } else if head.otherTransferCoding {
            responses.state = .untilClose
        } else if let length = head.contentLength {
            responses.current?.declaredLength = length
            if length == 0 {
                complete(.serverToClient, at: timestamp, packet: packet, into: &output)
            } else {
                responses.state = .body(remaining: length)
            }
            responses.lastWasLengthDelimited = true
        } else {
            responses.state = .untilClose
        }
    }

    private mutating func complete(
        _ direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard
            let current = modifySide(
                direction,
                { side -> InProgress? in
                    defer { side.current = nil }
                    return side.current
                })
        else { return }
        let isRequest = direction == .clientToServer
        var fingerprint = current.fingerprint
        fingerprint.add(String(current.bodyBytes))
        output.emit(
            Message(
                index: current.index, role: isRequest ? .request : current.interim ? .event : .response,
                application: .http1, direction: direction,
                start: current.start, end: timestamp, packet: packet, name: current.name, summary: current.summary,
                key: current.key, version: current.version, answers: current.interim ? nil : current.answers,
                expectsResponse: isRequest,
                status: current.status, bytes: current.bytes, fingerprint: isRequest ? fingerprint.value : 0,
                bodyFingerprint: isRequest ? 0 : current.bodyFingerprint.value))
    }

    private mutating func handOn(upgrade: String?, upgradedRequest: HTTP2Dissector.UpgradedRequest?) {
        if let upgradedRequest {
            inner = HTTP2Dissector(upgradedRequest: upgradedRequest)
        } else {
            inner = ConversationDissector.makeDissector(for: HTTP1Dissector.isH2C(upgrade) ? .http2 : .raw)
        }
        requests.state = .handedOn
        responses.state = .handedOn
        // Bytes the client sent after its upgrade request, before the 101, belong to the new protocol.
        requests.cursor.reset()
    }

    private mutating func stop(
        _ message: String, code: FindingCode, severity: Severity? = nil, packet: Int?,
        into output: inout DissectorOutput
    ) {
        requests.state = .stopped
        responses.state = .stopped
        requests.current = nil
        responses.current = nil
        requests.cursor.reset()
        responses.cursor.reset()
        pending.removeAll()
        guard !stoppedReported else { return }
        stoppedReported = true
        output.report(
            DissectorFinding(
                code: code, severity: severity, message: message,
                detail: "the rest of the conversation is not dissected", packet: packet, endsDissection: true))
    }

    /// Whether an Upgrade field asks for HTTP/2 over cleartext (its first protocol is `h2c`).
    static func isH2C(_ upgrade: String?) -> Bool {
        upgrade?.split(separator: ",").first.map { $0.trimmingSpaces().lowercased() } == "h2c"
    }

    /// The status class of an HTTP status code.
    static func status(_ code: Int) -> MessageStatus {
        switch code {
        case 401, 403, 407: return MessageStatus(.authenticationFailure, code: String(code))
        case 400...499: return MessageStatus(.clientError, code: String(code))
        case 500...599: return MessageStatus(.serverError, code: String(code))
        default: return MessageStatus(.success, code: String(code))
        }
    }

    /// The path of a request target without its query, with identifier-like segments (numbers,
    /// hex, UUIDs, base64-like tokens, prefixed ids: `PathIdentifier`) replaced by `{id}`, so
    /// `/users/7?x=1` and `/users/8` group together, and so do `/items/itm_0c5c7fd0` and
    /// `/items/itm_9a8b7c6d`.
    static func normalizedPath(_ target: String) -> String {
        var path = Substring(target)
        if !path.hasPrefix("/"), let colon = path.firstIndex(of: ":"), path[colon...].hasPrefix("://") {
            // Absolute form (a request to a proxy): drop the scheme and authority.
            let authority = path[path.index(colon, offsetBy: 3)...]
            path = authority.firstIndex(of: "/").map { authority[$0...] } ?? "/"
        }
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<query] }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> Substring in
            PathIdentifier.isIdentifier(segment) ? "{id}" : segment
        }
        let joined = segments.joined(separator: "/")
        return joined.count > 80 ? String(joined.prefix(80)) + "..." : joined
    }
}
