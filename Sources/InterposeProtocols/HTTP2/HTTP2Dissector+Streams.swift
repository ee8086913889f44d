import InterposeCore
import NIOHPACK

/// Streams: requests and responses from decoded header blocks and DATA, resets, GOAWAY and pushes.
extension HTTP2Dissector {
    mutating func clientHeaders(
        _ headers: HPACKHeaders, block: HeaderBlock, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let id = block.stream
        if let stream = streams[id] {
            guard !stream.clientClosed else {
                output.report(
                    DissectorFinding(
                        code: .http2ProtocolError, severity: .warning,
                        message: "client HEADERS on stream \(id) after its END_STREAM (RFC 9113 5.1: stream closed)",
                        packet: packet, messageIndex: stream.requestIndex, endsDissection: false))
                return
            }
            // Trailers of the request.
            streams[id]!.requestBytes += Int64(block.frameBytes)
            streams[id]!.requestParts?.trailers = HTTP2Dissector.fields(headers)
            if block.endStream { closeClientSide(id, at: timestamp, packet: packet, into: &output) }
            return
        }
        guard id % 2 == 1 else {
            output.report(
                DissectorFinding(
                    code: .http2ProtocolError, severity: .warning,
                    message: "client HEADERS on even stream \(id): clients open odd streams (RFC 9113 5.1.1)",
                    packet: packet, endsDissection: false))
            return
        }
        // A lower identifier is a stream already closed (or reset): frames may still be in flight.
        guard id > lastClientStream else { return }
        guard streams.count < HTTP2Dissector.streamLimit else {
            stop(
                code: .http2TooManyStreams,
                message: "more than \(HTTP2Dissector.streamLimit) streams open at once", packet: packet, into: &output)
            return
        }
        lastClientStream = id
        let method = headers.first(name: ":method") ?? "?"
        let path = headers.first(name: ":path") ?? headers.first(name: ":authority") ?? ""
        let contentType = headers.first(name: "content-type") ?? ""
        var stream = HTTP2Stream(
            id: id, requestIndex: nextIndex, method: method, path: path,
            key: "\(method) \(HTTP1Dissector.normalizedPath(path))",
            isGRPC: contentType.lowercased().hasPrefix("application/grpc"), requestStart: block.start,
            clientWindow: sides[0].initialStreamWindow, serverWindow: sides[1].initialStreamWindow)
        nextIndex += 1
        stream.requestBytes = Int64(block.frameBytes)
        stream.fingerprint.add(method)
        stream.fingerprint.add(path)
        if keepsContent {
            stream.requestParts = HTTP2Content.Parts(path: path, headers: HTTP2Dissector.fields(headers))
            stream.responseParts = HTTP2Content.Parts(path: path)
        }
        streams[id] = stream
        if block.endStream { closeClientSide(id, at: timestamp, packet: packet, into: &output) }
    }

    mutating func serverHeaders(
        _ headers: HPACKHeaders, block: HeaderBlock, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let id = block.stream
        guard let stream = streams[id] else {
            if id % 2 == 1 && id > lastClientStream {
                output.report(
                    DissectorFinding(
                        code: .http2ProtocolError, severity: .warning,
                        message: "server HEADERS on stream \(id), which the client never opened", packet: packet,
                        endsDissection: false))
            }
            // Otherwise a pushed stream (announced by its PUSH_PROMISE) or one already closed.
            return
        }
        guard !stream.serverClosed else {
            output.report(
                DissectorFinding(
                    code: .http2ProtocolError, severity: .warning,
                    message: "server HEADERS on stream \(id) after its END_STREAM (RFC 9113 5.1: stream closed)",
                    packet: packet, messageIndex: stream.requestIndex, endsDissection: false))
            return
        }
        if let value = headers.first(name: "grpc-status") {
            streams[id]!.grpcStatus = Int(Substring(value).trimmingSpaces()) ?? -1
            streams[id]!.grpcMessage = headers.first(name: "grpc-message")
        }
        if stream.responseIndex == nil {
            let code = headers.first(name: ":status").flatMap { Int($0) }
            if let code, (100...199).contains(code), !block.endStream {
                // Interim response (100 Continue, 103 Early Hints): the request still waits.
                output.emit(
                    Message(
                        index: nextIndex, role: .event, application: .http2, direction: .serverToClient,
                        start: block.start, end: timestamp, packet: packet, name: String(code),
                        summary: "\(code) (interim, stream \(id))", key: stream.key, version: "HTTP/2",
                        bytes: Int64(block.frameBytes)))
                nextIndex += 1
                return
            }
            streams[id]!.statusCode = code
            streams[id]!.responseIndex = nextIndex
            streams[id]!.responseStart = block.start
            streams[id]!.responseParts?.headers = HTTP2Dissector.fields(headers)
            nextIndex += 1
        } else {
            streams[id]!.responseParts?.trailers += HTTP2Dissector.fields(headers)
        }
        streams[id]!.responseBytes += Int64(block.frameBytes)
        if block.endStream { closeServerSide(id, at: timestamp, packet: packet, into: &output) }
    }

    /// DATA payload bytes (without padding) of `direction` on `stream`.
    mutating func dataBytes(_ bytes: UnsafeRawBufferPointer, stream id: UInt32, direction: Direction) {
        guard let stream = streams[id], stream.isOpen(direction) else { return }
        if direction == .clientToServer {
            let already = stream.requestBodyBytes
            if already < HTTP2Dissector.fingerprintBodyBytes {
                let take = min(bytes.count, HTTP2Dissector.fingerprintBodyBytes - Int(already))
                streams[id]!.fingerprint.add(bytes.prefix(take))
            }
            streams[id]!.requestBodyBytes += Int64(bytes.count)
            if stream.isGRPC { streams[id]!.requestMessages.feed(bytes) }
            if stream.requestParts != nil {
                keptBytes += HTTP2Dissector.keep(bytes, in: &streams[id]!.requestParts!, budget: budgetLeft)
            }
        } else {
            streams[id]!.responseContent.add(bytes)
            if stream.isGRPC { streams[id]!.responseMessages.feed(bytes) }
            if stream.responseParts != nil {
                keptBytes += HTTP2Dissector.keep(bytes, in: &streams[id]!.responseParts!, budget: budgetLeft)
            }
        }
    }

    /// Body bytes the connection may still keep.
    private var budgetLeft: Int { HTTP2Dissector.contentBudget - keptBytes }

    /// Keeps body bytes for `Message.content`, within the message's limit and `budget`.
    /// - Returns: how many were kept.
    private static func keep(_ bytes: UnsafeRawBufferPointer, in parts: inout HTTP2Content.Parts, budget: Int) -> Int {
        let take = max(0, min(HTTP2Dissector.contentLimit - parts.body.count, budget, bytes.count))
        parts.body += bytes.prefix(take)
        if take < bytes.count { parts.truncated = true }
        return take
    }

    /// A decoded header block as kept content.
    static func fields(_ headers: HPACKHeaders) -> [HTTP2Content.HeaderField] {
        headers.map { HTTP2Content.HeaderField(name: $0.name, value: $0.value) }
    }

    /// The kept content of a message, encoded, and its body bytes handed back to the budget.
    private mutating func content(_ parts: HTTP2Content.Parts?) -> [UInt8] {
        guard let parts else { return [] }
        keptBytes -= parts.body.count
        return HTTP2Content.encode(parts)
    }

    mutating func closeClientSide(
        _ id: UInt32, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard streams[id] != nil else { return }
        streams[id]!.clientClosed = true
        emitRequest(id, at: timestamp, packet: packet, into: &output)
        if streams[id]!.serverClosed { streams[id] = nil }
    }

    mutating func closeServerSide(
        _ id: UInt32, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard streams[id] != nil else { return }
        emitResponse(id, reset: nil, at: timestamp, packet: packet, into: &output)
        streams[id]!.serverClosed = true
        if streams[id]!.clientClosed { streams[id] = nil }
    }

    mutating func resetStream(
        _ id: UInt32, code: UInt32, by direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        guard let stream = streams[id] else { return }
        let byClient = direction == .clientToServer
        let name = HTTP2FrameHeader.errorName(code)
        emitRequest(id, at: timestamp, packet: packet, into: &output)
        let normalEnd = !byClient && code == 0 && stream.serverClosed
        if !normalEnd {
            // RFC 9113 8.1: a server that answered in full may reset with NO_ERROR to stop an upload.
            let routine = byClient && (code == 0 || code == 8)
            output.report(
                DissectorFinding(
                    code: .http2StreamReset, severity: routine ? .warning : .error,
                    message:
                        "stream \(id) '\(stream.method) \(HTTP2Dissector.excerpt(stream.path))' reset by the \(byClient ? "client" : "server"): \(name)",
                    detail: stream.serverClosed ? "after the response was complete" : nil, packet: packet,
                    messageIndex: stream.requestIndex))
        }
        if !stream.serverClosed {
            emitResponse(id, reset: (name, byClient), at: timestamp, packet: packet, into: &output)
        }
        streams[id] = nil
    }

    mutating func goaway(
        lastStream: UInt32, code: UInt32, debug: String, bytes: Int, from direction: Direction, at timestamp: Timestamp,
        packet: Int?, into output: inout DissectorOutput
    ) {
        let name = HTTP2FrameHeader.errorName(code)
        let sender = direction == .clientToServer ? "client" : "server"
        let said = debug.isEmpty ? "" : " '\(HTTP2Dissector.excerpt(debug))'"
        output.emit(
            Message(
                index: nextIndex, role: .event, application: .http2, direction: direction, start: timestamp,
                end: timestamp, packet: packet, name: "GOAWAY",
                summary: "GOAWAY \(name), last stream \(lastStream)\(said)",
                version: "HTTP/2", bytes: Int64(bytes)))
        nextIndex += 1
        guard code != 0 else { return }
        output.report(
            DissectorFinding(
                code: .http2Goaway,
                message: "GOAWAY from the \(sender): \(name) (last stream \(lastStream))",
                detail: debug.isEmpty ? nil : "debug data: \(HTTP2Dissector.excerpt(debug))", packet: packet))
    }

    mutating func pushPromised(
        _ promised: UInt32, headers: HPACKHeaders, block: HeaderBlock, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let method = headers.first(name: ":method") ?? "GET"
        let path = headers.first(name: ":path") ?? ""
        output.emit(
            Message(
                index: nextIndex, role: .event, application: .http2, direction: .serverToClient, start: block.start,
                end: timestamp, packet: packet, name: "PUSH_PROMISE",
                summary: "PUSH_PROMISE stream \(promised): \(method) \(HTTP2Dissector.excerpt(path))",
                key: "PUSH \(method) \(HTTP1Dissector.normalizedPath(path))", version: "HTTP/2",
                bytes: Int64(block.frameBytes)))
        nextIndex += 1
    }

    // MARK: - Messages

    private mutating func emitRequest(
        _ id: UInt32, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard let stream = streams[id], !stream.requestEmitted else { return }
        streams[id]!.requestEmitted = true
        var summary = "\(stream.method) \(HTTP2Dissector.cut(stream.path))"
        if stream.isGRPC {
            summary += " (\(HTTP2Dissector.count(stream.requestMessages.completed, "message")))"
            if stream.clientClosed, let missing = stream.requestMessages.missingAtEnd {
                output.report(
                    DissectorFinding(
                        code: .grpcMalformed,
                        message: "gRPC request '\(summary)' on stream \(id): \(missing)", packet: packet,
                        messageIndex: stream.requestIndex, endsDissection: false))
            }
        }
        var fingerprint = stream.fingerprint
        fingerprint.add(String(stream.requestBodyBytes))
        var message = Message(
            index: stream.requestIndex, role: .request, application: .http2, direction: .clientToServer,
            start: stream.requestStart, end: timestamp, packet: packet, name: stream.method, summary: summary,
            key: stream.key, version: "HTTP/2", expectsResponse: true, bytes: stream.requestBytes,
            fingerprint: fingerprint.value)
        message.contentTruncated = stream.requestParts?.truncated ?? false
        message.content = content(stream.requestParts)
        streams[id]!.requestParts = nil
        output.emit(message)
    }

    private mutating func emitResponse(
        _ id: UInt32, reset: (name: String, byClient: Bool)?, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        guard let stream = streams[id] else { return }
        let index = stream.responseIndex ?? nextIndex
        if stream.responseIndex == nil { nextIndex += 1 }
        var name = stream.statusCode.map { String($0) } ?? "?"
        var status = stream.statusCode.map { HTTP1Dissector.status($0) }
        var summary = name
        if stream.isGRPC {
            let messages = HTTP2Dissector.count(stream.responseMessages.completed, "message")
            if let code = stream.grpcStatus {
                name = "grpc-\(code)"
                status = GRPCStatus.status(code)
                summary = "grpc-status \(code) (\(GRPCStatus.name(code))), \(messages)"
                if let text = stream.grpcMessage, !text.isEmpty { summary += ": \(HTTP2Dissector.excerpt(text))" }
            } else {
                summary = "\(name) without grpc-status, \(messages)"
                if reset == nil {
                    output.report(
                        DissectorFinding(
                            code: .grpcMissingStatus,
                            message:
                                "gRPC response to '\(stream.method) \(HTTP2Dissector.cut(stream.path))' on stream \(id) ends without grpc-status",
                            packet: packet, messageIndex: index))
                }
            }
            if reset == nil, let missing = stream.responseMessages.missingAtEnd {
                output.report(
                    DissectorFinding(
                        code: .grpcMalformed,
                        message: "gRPC response on stream \(id): \(missing)", packet: packet, messageIndex: index,
                        endsDissection: false))
            }
        }
        if let reset {
            if stream.statusCode == nil && stream.grpcStatus == nil { name = "RST_STREAM" }
            summary =
                (stream.responseIndex == nil ? "" : summary + ", ")
                + "reset by the \(reset.byClient ? "client" : "server"): \(reset.name)"
            if !reset.byClient { status = MessageStatus(.serverError, code: "RST_STREAM \(reset.name)") }
        }
        var message = Message(
            index: index, role: .response, application: .http2, direction: .serverToClient,
            start: stream.responseStart ?? timestamp, end: timestamp, packet: packet, name: name, summary: summary,
            key: stream.key, version: "HTTP/2", answers: stream.requestIndex, status: status,
            bytes: stream.responseBytes, bodyFingerprint: stream.responseContent.value)
        message.contentTruncated = stream.responseParts?.truncated ?? false
        message.content = content(stream.responseParts)
        streams[id]!.responseParts = nil
        output.emit(message)
    }

    static func cut(_ path: String) -> String {
        path.count > 80 ? String(path.prefix(80)) + "..." : path
    }

    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}
