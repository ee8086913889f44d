import DequeModule
import InterposeCore
import NIOCore
import NIOHPACK

/// Reads HTTP/2 (RFC 9113) both ways, prior knowledge or after an h2c upgrade: the connection
/// preface, every frame, header blocks through HPACK (one decoder per direction, fed every block in
/// order), stream states, flow-control windows, and gRPC on top (length-prefixed messages counted,
/// `grpc-status` read from the trailers).
///
/// A request is the client's HEADERS on a new odd stream and its DATA until END_STREAM; it becomes a
/// message when the client half-closes the stream. The response (HEADERS with `:status`, DATA,
/// trailers) becomes a message at the server's END_STREAM, or when either side resets the stream
/// (then with an `http2.stream-reset` finding). Request indexes are taken at the first HEADERS, so
/// interleaved streams pair by stream, not by order.
///
/// Memory stays bounded: DATA is counted, never kept; a header block is kept until its last
/// CONTINUATION up to 256 KiB; at most 10,000 streams are followed at once. Made with
/// `keepsContent` (for replay and `diff`, never in the proxy), it also keeps each stream's decoded
/// header fields, trailers and up to `contentLimit` bytes of each body, at most `contentBudget`
/// bytes across the open streams, and hands them over as `Message.content` in `HTTP2Content`'s
/// format: the frames of interleaved streams cannot be cut from the wire by size. A gap inside a DATA
/// payload is stepped over; anywhere else it ends the dissection, since HPACK state is lost with it.
///
/// After an h2c upgrade (RFC 7540 3.2) the HTTP/1.1 request that asked for it is stream 1, already
/// half-closed by the client: pass it as `upgradedRequest`, and the server's response on stream 1
/// answers it.
public struct HTTP2Dissector: Dissector {
    public let application = ApplicationProtocol.http2

    /// The HTTP/1.1 request of an h2c upgrade, which HTTP/2 continues as stream 1.
    public struct UpgradedRequest: Sendable, Hashable {
        /// Its message index.
        public var index: Int
        /// Its method.
        public var method: String
        /// Its request target.
        public var target: String
        /// The index the HTTP/2 dissector's first message takes.
        public var nextIndex: Int

        /// An upgraded request from its parts.
        public init(index: Int, method: String, target: String, nextIndex: Int) {
            self.index = index
            self.method = method
            self.target = target
            self.nextIndex = nextIndex
        }
    }

    /// What the client sends first (RFC 9113 3.4).
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    /// Largest header block (HEADERS or PUSH_PROMISE with its CONTINUATIONs) kept.
    static let headerBlockLimit = 256 * 1024
    /// Largest decoded header list (an HPACK block can reference far more than its size).
    static let headerListLimit = 1024 * 1024
    /// The HPACK dynamic table each decoder allows: 4096 is the protocol's default; the larger size
    /// also decodes peers that announced more, and is safe because an encoder never references
    /// entries it evicted.
    static let hpackTableLimit = 64 * 1024
    /// Most streams followed at once.
    static let streamLimit = 10_000
    /// SETTINGS_INITIAL_WINDOW_SIZE and the connection window before any SETTINGS or WINDOW_UPDATE.
    static let defaultWindow: Int64 = 65_535
    /// SETTINGS_MAX_FRAME_SIZE before a peer announces one.
    static let defaultMaxFrameSize = 16_384
    /// Bytes of a control frame (SETTINGS, GOAWAY) kept to read it; the rest is skipped.
    static let controlPayloadLimit = 4096
    /// Unacknowledged SETTINGS frames remembered per direction.
    static let pendingSettingsLimit = 64
    /// Body bytes that go into a request's fingerprint.
    static let fingerprintBodyBytes = 1024
    /// Body bytes of one request or response kept with `keepsContent` (as replay keeps of others).
    package static let contentLimit = 1 << 20
    /// Body bytes kept with `keepsContent` across all open streams.
    static let contentBudget = 64 << 20

    enum Phase {
        /// Matching the client's connection preface.
        case preface(matched: Int)
        /// Waiting for the 9 bytes of a frame header.
        case frameHeader
        /// Keeping the first `keep` payload bytes of a frame (in `Side.collected`) to read it whole.
        case collect(HTTP2FrameHeader, remaining: Int, keep: Int)
        /// Reading the pad length of a PADDED DATA frame.
        case dataPadLength(HTTP2FrameHeader)
        /// Counting DATA payload, then its padding.
        case data(HTTP2FrameHeader, remaining: Int, padding: Int)
        /// Skipping a frame not read (unknown types, PRIORITY).
        case skip(remaining: Int)
    }

    /// A header block waiting for its END_HEADERS.
    struct HeaderBlock {
        var stream: UInt32
        var endStream: Bool
        /// The stream a PUSH_PROMISE reserves; `nil` for HEADERS.
        var promised: UInt32?
        var fragments: ByteBuffer
        /// Payload bytes of the frames carrying it.
        var frameBytes: Int
        var start: Timestamp
    }

    /// What one direction sends and what its receiver allows it.
    struct Side {
        var phase: Phase
        var cursor = StreamCursor()
        var collected = ByteBuffer()
        var decoder: HPACKDecoder
        var block: HeaderBlock?
        /// The receiver's SETTINGS_MAX_FRAME_SIZE.
        var maxFrameSize = HTTP2Dissector.defaultMaxFrameSize
        /// The connection send window.
        var window = HTTP2Dissector.defaultWindow
        /// The receiver's SETTINGS_INITIAL_WINDOW_SIZE: the send window of a new stream.
        var initialStreamWindow = HTTP2Dissector.defaultWindow
        /// SETTINGS this side sent that the other has not acknowledged yet, oldest first.
        var pendingSettings: Deque<[(id: UInt16, value: UInt32)]> = []
        /// Unacknowledged SETTINGS beyond `pendingSettingsLimit`.
        var pendingOverflow = 0
        /// Frames the other side sent (GOAWAY aside) after this side's oldest unacknowledged
        /// SETTINGS: a peer that goes on talking without the ACK is at fault, one that closes at
        /// once simply had no reason to answer.
        var framesSinceOldestPending = 0
        var sawFrame = false
        var flowControlReported = false

        init(phase: Phase) {
            self.phase = phase
            decoder = HPACKDecoder(
                allocator: ByteBufferAllocator(), maxDynamicTableSize: HTTP2Dissector.hpackTableLimit,
                maxHeaderListSize: HTTP2Dissector.headerListLimit)
        }

        var unacknowledgedSettings: Int { pendingSettings.count + pendingOverflow }
    }

    var sides: [Side]
    var streams: [UInt32: HTTP2Stream] = [:]
    var lastClientStream: UInt32 = 0
    var nextIndex = 0
    var stopped = false
    /// Whether each message's content is kept (`Message.content`).
    let keepsContent: Bool
    /// Body bytes kept for the streams still open.
    var keptBytes = 0

    /// A dissector at the start of an HTTP/2 connection (the client's preface comes first).
    /// - Parameters:
    ///   - upgradedRequest: the HTTP/1.1 request of an h2c upgrade, answered on stream 1.
    ///   - keepsContent: keep each message's header fields and body for replay and `diff`.
    public init(upgradedRequest: UpgradedRequest? = nil, keepsContent: Bool = false) {
        self.keepsContent = keepsContent
        sides = [Side(phase: .preface(matched: 0)), Side(phase: .frameHeader)]
        guard let upgradedRequest else { return }
        var stream = HTTP2Stream(
            id: 1, requestIndex: upgradedRequest.index, method: upgradedRequest.method, path: upgradedRequest.target,
            key: "\(upgradedRequest.method) \(HTTP1Dissector.normalizedPath(upgradedRequest.target))", isGRPC: false,
            requestStart: Timestamp(nanosecondsSinceEpoch: 0), clientWindow: HTTP2Dissector.defaultWindow,
            serverWindow: HTTP2Dissector.defaultWindow)
        stream.clientClosed = true
        stream.requestEmitted = true
        if keepsContent { stream.responseParts = HTTP2Content.Parts(path: upgradedRequest.target) }
        streams[1] = stream
        lastClientStream = 1
        nextIndex = upgradedRequest.nextIndex
    }

    public mutating func receive(
        _ bytes: ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        guard !stopped else { return }
        let s = Int(direction.rawValue)
        var work = sides[s].cursor.begin(with: bytes)
        parse(&work, direction: direction, at: timestamp, packet: packet, into: &output)
        guard !stopped else { return }
        sides[s].cursor.keep(work)
    }

    public mutating func gap(
        _ size: Int, direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        guard !stopped, size > 0 else { return }
        let s = Int(direction.rawValue)
        switch sides[s].phase {
        case .data(let header, let remaining, let padding)
        where sides[s].cursor.keptBytes == 0 && size <= remaining + padding:
            // DATA is counted, not read: a hole inside it loses nothing but gRPC message boundaries.
            let inData = min(size, remaining)
            if inData > 0, let stream = streams[header.stream], stream.isOpen(direction) {
                if stream.isGRPC {
                    let skipped =
                        direction == .clientToServer
                        ? streams[header.stream]!.requestMessages.skip(inData)
                        : streams[header.stream]!.responseMessages.skip(inData)
                    guard skipped else {
                        unreadableAfterGap(size, direction: direction, packet: packet, into: &output)
                        return
                    }
                }
                if direction == .clientToServer { streams[header.stream]!.requestBodyBytes += Int64(inData) }
            }
            let left = (remaining - inData, padding - (size - inData))
            if left.0 == 0 && left.1 == 0 {
                sides[s].phase = .frameHeader
                endData(header, direction: direction, at: timestamp, packet: packet, into: &output)
            } else {
                sides[s].phase = .data(header, remaining: left.0, padding: left.1)
            }
        case .skip(let remaining) where sides[s].cursor.keptBytes == 0 && size <= remaining:
            sides[s].phase = size == remaining ? .frameHeader : .skip(remaining: remaining - size)
        default:
            unreadableAfterGap(size, direction: direction, packet: packet, into: &output)
        }
    }

    public mutating func finish(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {}

    public mutating func end(reset: Bool, at timestamp: Timestamp, into output: inout DissectorOutput) {
        guard !stopped else { return }
        if !streams.isEmpty {
            let open = streams.values.sorted { $0.id < $1.id }
            let listed = open.prefix(5).map { "stream \($0.id) '\($0.method) \(HTTP2Dissector.excerpt($0.path))'" }
            output.report(
                DissectorFinding(
                    code: .http2IncompleteStream, severity: reset ? .error : .warning,
                    message:
                        "connection \(reset ? "reset" : "closed") with \(open.count) stream\(open.count == 1 ? "" : "s") still open",
                    detail: listed.joined(separator: ", ") + (open.count > 5 ? ", ..." : ""),
                    messageIndex: open.first?.requestIndex))
        }
        for direction in Direction.allCases {
            let count = sides[Int(direction.rawValue)].unacknowledgedSettings
            guard count > 0, sides[Int(direction.rawValue)].framesSinceOldestPending >= 2 else { continue }
            let sender = direction == .clientToServer ? "client" : "server"
            output.report(
                DissectorFinding(
                    code: .http2SettingsUnacknowledged,
                    message: "\(count) SETTINGS frame\(count == 1 ? "" : "s") from the \(sender) never acknowledged"))
        }
    }

    // MARK: - Frames

    private mutating func parse(
        _ work: inout ByteBuffer, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let s = Int(direction.rawValue)
        while work.readableBytes > 0 && !stopped {
            switch sides[s].phase {
            case .preface(let matched):
                let n = min(work.readableBytes, HTTP2Dissector.preface.count - matched)
                let bytes = work.readBytes(length: n) ?? []
                guard bytes[...] == HTTP2Dissector.preface[matched..<matched + n] else {
                    stop(
                        code: .http2Malformed,
                        message: "the client did not send the HTTP/2 connection preface (RFC 9113 3.4)",
                        detail:
                            "byte \(matched) on: '\(HTTP2Dissector.excerpt(String(decoding: bytes.prefix(24), as: UTF8.self)))'",
                        packet: packet, into: &output)
                    return
                }
                sides[s].phase =
                    matched + n == HTTP2Dissector.preface.count ? .frameHeader : .preface(matched: matched + n)
            case .frameHeader:
                guard let header = HTTP2FrameHeader.read(from: &work) else { return }
                startFrame(header, direction: direction, at: timestamp, packet: packet, into: &output)
            case .collect(let header, let remaining, let keep):
                let n = min(work.readableBytes, remaining)
                let room = keep - sides[s].collected.readableBytes
                if room > 0, var slice = work.getSlice(at: work.readerIndex, length: min(n, room)) {
                    sides[s].collected.writeBuffer(&slice)
                }
                work.moveReaderIndex(forwardBy: n)
                if n == remaining {
                    sides[s].phase = .frameHeader
                    endCollected(header, direction: direction, at: timestamp, packet: packet, into: &output)
                } else {
                    sides[s].phase = .collect(header, remaining: remaining - n, keep: keep)
                }
            case .dataPadLength(let header):
                let padding = Int(work.readInteger(as: UInt8.self) ?? 0)
                guard padding <= header.length - 1 else {
                    stop(
                        code: .http2ProtocolError,
                        message:
                            "DATA frame on stream \(header.stream) has \(padding) bytes of padding in a \(header.length)-byte payload",
                        packet: packet, into: &output)
                    return
                }
                sides[s].phase = .data(header, remaining: header.length - 1 - padding, padding: padding)
                if header.length - 1 == 0 {
                    sides[s].phase = .frameHeader
                    endData(header, direction: direction, at: timestamp, packet: packet, into: &output)
                }
            case .data(let header, let remaining, let padding):
                if remaining > 0 {
                    let n = min(work.readableBytes, remaining)
                    work.withUnsafeReadableBytes { bytes in
                        dataBytes(
                            UnsafeRawBufferPointer(rebasing: bytes[..<n]), stream: header.stream, direction: direction)
                    }
                    work.moveReaderIndex(forwardBy: n)
                    sides[s].phase = .data(header, remaining: remaining - n, padding: padding)
                    if n < remaining { return }
                    if padding > 0 { continue }
                } else {
                    let n = min(work.readableBytes, padding)
                    work.moveReaderIndex(forwardBy: n)
                    sides[s].phase = .data(header, remaining: 0, padding: padding - n)
                    if n < padding { return }
                }
                sides[s].phase = .frameHeader
                endData(header, direction: direction, at: timestamp, packet: packet, into: &output)
            case .skip(let remaining):
                let n = min(work.readableBytes, remaining)
                work.moveReaderIndex(forwardBy: n)
                sides[s].phase = n == remaining ? .frameHeader : .skip(remaining: remaining - n)
            }
        }
    }

    private mutating func startFrame(
        _ header: HTTP2FrameHeader, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let s = Int(direction.rawValue)
        let first = !sides[s].sawFrame
        sides[s].sawFrame = true
        let sender = direction == .clientToServer ? "client" : "server"
        guard header.length <= sides[s].maxFrameSize else {
            stop(
                code: .http2FrameSizeError,
                message:
                    "\(header.typeName) frame of \(header.length) bytes from the \(sender) on stream \(header.stream) exceeds the peer's SETTINGS_MAX_FRAME_SIZE of \(sides[s].maxFrameSize)",
                packet: packet, into: &output)
            return
        }
        if let block = sides[s].block {
            guard header.kind == .continuation, header.stream == block.stream else {
                protocolError(
                    "\(header.typeName) frame on stream \(header.stream) from the \(sender) where the CONTINUATION of the header block of stream \(block.stream) must come",
                    packet: packet, into: &output)
                return
            }
        } else if header.kind == .continuation {
            protocolError(
                "CONTINUATION frame on stream \(header.stream) from the \(sender) without a HEADERS or PUSH_PROMISE before it that lacks END_HEADERS",
                packet: packet, into: &output)
            return
        }
        if first && header.kind != .settings {
            output.report(
                DissectorFinding(
                    code: .http2ProtocolError, severity: .warning,
                    message: "the \(sender)'s first frame is \(header.typeName), not SETTINGS (RFC 9113 3.4)",
                    packet: packet, endsDissection: false))
        }
        let onStreamZero = header.stream == 0
        let other = Int(direction.reversed.rawValue)
        if !sides[other].pendingSettings.isEmpty, header.kind != .goaway,
            !(header.kind == .settings && header.has(.ack))
        {
            sides[other].framesSinceOldestPending += 1
        }
        switch header.kind {
        case .data:
            guard !onStreamZero else {
                protocolError("DATA frame on stream 0 from the \(sender)", packet: packet, into: &output)
                return
            }
            chargeFlowControl(header, direction: direction, packet: packet, into: &output)
            if header.has(.padded) {
                guard header.length > 0 else {
                    stop(
                        code: .http2FrameSizeError,
                        message: "PADDED DATA frame on stream \(header.stream) without a pad length", packet: packet,
                        into: &output)
                    return
                }
                sides[s].phase = .dataPadLength(header)
            } else if header.length == 0 {
                endData(header, direction: direction, at: timestamp, packet: packet, into: &output)
            } else {
                sides[s].phase = .data(header, remaining: header.length, padding: 0)
            }
        case .headers, .pushPromise, .continuation:
            guard !onStreamZero else {
                protocolError("\(header.typeName) frame on stream 0 from the \(sender)", packet: packet, into: &output)
                return
            }
            if header.kind == .pushPromise && direction == .clientToServer {
                protocolError("PUSH_PROMISE from the client", packet: packet, into: &output)
                return
            }
            let sofar = sides[s].block?.fragments.readableBytes ?? 0
            guard sofar + header.length <= HTTP2Dissector.headerBlockLimit else {
                stop(
                    code: .http2Malformed,
                    message:
                        "header block too large: more than \(HTTP2Dissector.headerBlockLimit) bytes on stream \(header.stream) from the \(sender)",
                    packet: packet, into: &output)
                return
            }
            collect(header, keep: header.length, direction: direction, at: timestamp, packet: packet, into: &output)
        case .rstStream, .windowUpdate:
            guard header.length == 4 else {
                frameSizeError(header, expected: "4", direction: direction, packet: packet, into: &output)
                return
            }
            guard !onStreamZero || header.kind == .windowUpdate else {
                protocolError("RST_STREAM on stream 0 from the \(sender)", packet: packet, into: &output)
                return
            }
            collect(header, keep: 4, direction: direction, at: timestamp, packet: packet, into: &output)
        case .settings, .ping, .goaway:
            guard onStreamZero else {
                protocolError(
                    "\(header.typeName) frame on stream \(header.stream) (not 0) from the \(sender)", packet: packet,
                    into: &output)
                return
            }
            let ack = header.has(.ack)
            switch header.kind {
            case .settings where ack ? header.length != 0 : header.length % 6 != 0:
                frameSizeError(
                    header, expected: ack ? "0 (ACK)" : "a multiple of 6", direction: direction, packet: packet,
                    into: &output)
            case .ping where header.length != 8:
                frameSizeError(header, expected: "8", direction: direction, packet: packet, into: &output)
            case .goaway where header.length < 8:
                frameSizeError(header, expected: "at least 8", direction: direction, packet: packet, into: &output)
            default:
                let keep = min(header.length, HTTP2Dissector.controlPayloadLimit)
                collect(header, keep: keep, direction: direction, at: timestamp, packet: packet, into: &output)
            }
        default:
            // PRIORITY (deprecated, RFC 9113 5.3.2) and extension frames (ignored, RFC 9113 5.5).
            if header.length > 0 { sides[s].phase = .skip(remaining: header.length) }
        }
    }

    private mutating func collect(
        _ header: HTTP2FrameHeader, keep: Int, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let s = Int(direction.rawValue)
        if sides[s].collected.capacity > HTTP2Dissector.controlPayloadLimit {
            sides[s].collected = ByteBuffer()
        } else {
            sides[s].collected.clear()
        }
        if header.length == 0 {
            endCollected(header, direction: direction, at: timestamp, packet: packet, into: &output)
        } else {
            sides[s].phase = .collect(header, remaining: header.length, keep: keep)
        }
    }

    private mutating func endCollected(
        _ header: HTTP2FrameHeader, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let s = Int(direction.rawValue)
        var payload = sides[s].collected
        switch header.kind {
        case .headers, .pushPromise:
            var padding = 0
            if header.has(.padded) { padding = Int(payload.readInteger(as: UInt8.self) ?? 0) }
            var promised: UInt32?
            if header.kind == .pushPromise {
                promised = payload.readInteger(as: UInt32.self).map { $0 & 0x7FFF_FFFF }
            } else if header.has(.priority), payload.readableBytes >= 5 {
                payload.moveReaderIndex(forwardBy: 5)
            }
            let fieldBytes = payload.readableBytes - padding
            guard fieldBytes >= 0, header.kind == .headers || promised != nil,
                let fragment = payload.readSlice(length: fieldBytes)
            else {
                protocolError(
                    "\(header.typeName) frame on stream \(header.stream) is too short for its padding and fields",
                    packet: packet, into: &output)
                return
            }
            sides[s].block = HeaderBlock(
                stream: header.stream, endStream: header.has(.endStream), promised: promised,
                fragments: fragment, frameBytes: header.length, start: timestamp)
            if header.has(.endHeaders) {
                endBlock(direction: direction, at: timestamp, packet: packet, into: &output)
            }
        case .continuation:
            sides[s].block?.fragments.writeBuffer(&payload)
            sides[s].block?.frameBytes += header.length
            if header.has(.endHeaders) {
                endBlock(direction: direction, at: timestamp, packet: packet, into: &output)
            }
        case .rstStream:
            let code = payload.readInteger(as: UInt32.self) ?? 0
            resetStream(header.stream, code: code, by: direction, at: timestamp, packet: packet, into: &output)
        case .windowUpdate:
            let increment = (payload.readInteger(as: UInt32.self) ?? 0) & 0x7FFF_FFFF
            windowUpdate(header.stream, increment: increment, from: direction, packet: packet, into: &output)
        case .settings:
            if header.has(.ack) {
                settingsAcknowledged(by: direction, packet: packet, into: &output)
            } else {
                var entries: [(id: UInt16, value: UInt32)] = []
                while let id = payload.readInteger(as: UInt16.self), let value = payload.readInteger(as: UInt32.self) {
                    entries.append((id, value))
                }
                settingsReceived(entries, from: direction, packet: packet, into: &output)
            }
        case .goaway:
            let last = (payload.readInteger(as: UInt32.self) ?? 0) & 0x7FFF_FFFF
            let code = payload.readInteger(as: UInt32.self) ?? 0
            let debug = String(decoding: payload.readableBytesView.prefix(200), as: UTF8.self)
            goaway(
                lastStream: last, code: code, debug: debug, bytes: header.length, from: direction, at: timestamp,
                packet: packet, into: &output)
        default:
            break  // PING: nothing to follow.
        }
    }

    private mutating func endBlock(
        direction: Direction, at timestamp: Timestamp, packet: Int?, into output: inout DissectorOutput
    ) {
        let s = Int(direction.rawValue)
        guard var block = sides[s].block else { return }
        sides[s].block = nil
        let headers: HPACKHeaders
        do {
            headers = try sides[s].decoder.decodeHeaders(from: &block.fragments)
        } catch {
            stop(
                code: .http2Malformed,
                message:
                    "the header block on stream \(block.stream) \(direction) cannot be decoded (HPACK): \(HTTP2Dissector.excerpt(String(describing: error)))",
                packet: packet, into: &output)
            return
        }
        if let promised = block.promised {
            pushPromised(promised, headers: headers, block: block, at: timestamp, packet: packet, into: &output)
        } else if direction == .clientToServer {
            clientHeaders(headers, block: block, at: timestamp, packet: packet, into: &output)
        } else {
            serverHeaders(headers, block: block, at: timestamp, packet: packet, into: &output)
        }
    }

    private mutating func endData(
        _ header: HTTP2FrameHeader, direction: Direction, at timestamp: Timestamp, packet: Int?,
        into output: inout DissectorOutput
    ) {
        guard header.has(.endStream), streams[header.stream]?.isOpen(direction) == true else {
            return
        }
        if direction == .clientToServer {
            closeClientSide(header.stream, at: timestamp, packet: packet, into: &output)
        } else {
            closeServerSide(header.stream, at: timestamp, packet: packet, into: &output)
        }
    }

    // MARK: - Connection state

    private mutating func chargeFlowControl(
        _ header: HTTP2FrameHeader, direction: Direction, packet: Int?, into output: inout DissectorOutput
    ) {
        let s = Int(direction.rawValue)
        let length = Int64(header.length)
        var exceeded: String?
        if length > 0 && length > sides[s].window {
            exceeded = "the connection window of \(sides[s].window)"
        }
        sides[s].window -= length
        if streams[header.stream]?.isOpen(direction) == true {
            let window = streams[header.stream]!.window(direction)
            if exceeded == nil && length > 0 && length > window {
                exceeded = "the stream window of \(window)"
            }
            streams[header.stream]!.addWindow(-length, for: direction)
            streams[header.stream]!.addBytes(header.length, for: direction)
        }
        guard let exceeded, !sides[s].flowControlReported else { return }
        sides[s].flowControlReported = true
        let sender = direction == .clientToServer ? "client" : "server"
        output.report(
            DissectorFinding(
                code: .http2FlowControlError,
                message:
                    "DATA frame of \(length) bytes from the \(sender) on stream \(header.stream) exceeds \(exceeded) its receiver allows",
                detail: "reported once per direction", packet: packet,
                messageIndex: streams[header.stream]?.requestIndex))
    }

    private mutating func windowUpdate(
        _ stream: UInt32, increment: UInt32, from direction: Direction, packet: Int?, into output: inout DissectorOutput
    ) {
        guard increment > 0 else {
            output.report(
                DissectorFinding(
                    code: .http2ProtocolError,
                    message: "WINDOW_UPDATE with an increment of 0 on stream \(stream) \(direction) (RFC 9113 6.9)",
                    packet: packet, messageIndex: streams[stream]?.requestIndex, endsDissection: false))
            return
        }
        let target = direction.reversed
        if stream == 0 {
            sides[Int(target.rawValue)].window += Int64(increment)
        } else {
            streams[stream]?.addWindow(Int64(increment), for: target)
        }
    }

    private mutating func settingsReceived(
        _ entries: [(id: UInt16, value: UInt32)], from direction: Direction, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let s = Int(direction.rawValue)
        if sides[s].pendingSettings.count < HTTP2Dissector.pendingSettingsLimit {
            sides[s].pendingSettings.append(entries)
        } else {
            sides[s].pendingOverflow += 1
        }
        // The sender of the other direction may use a larger window or frame size as soon as it has
        // read these settings; a smaller one binds it once it acknowledged them.
        for entry in entries {
            apply(entry, from: direction, exactly: false, packet: packet, into: &output)
        }
    }

    private mutating func settingsAcknowledged(
        by direction: Direction, packet: Int?, into output: inout DissectorOutput
    ) {
        let s = Int(direction.reversed.rawValue)
        sides[s].framesSinceOldestPending = 0
        if !sides[s].pendingSettings.isEmpty {
            let entries = sides[s].pendingSettings.removeFirst()
            for entry in entries {
                apply(entry, from: direction.reversed, exactly: true, packet: nil, into: &output)
            }
        } else if sides[s].pendingOverflow > 0 {
            sides[s].pendingOverflow -= 1
        }
        // An ACK without SETTINGS is tolerated: after an h2c upgrade a server may acknowledge the
        // HTTP2-Settings header field.
    }

    private mutating func apply(
        _ entry: (id: UInt16, value: UInt32), from direction: Direction, exactly: Bool, packet: Int?,
        into output: inout DissectorOutput
    ) {
        let target = Int(direction.reversed.rawValue)
        switch entry.id {
        case 0x4:  // SETTINGS_INITIAL_WINDOW_SIZE
            guard entry.value <= 0x7FFF_FFFF else {
                if !exactly {
                    output.report(
                        DissectorFinding(
                            code: .http2FlowControlError,
                            message: "SETTINGS_INITIAL_WINDOW_SIZE of \(entry.value) \(direction) is above 2^31-1",
                            packet: packet))
                }
                return
            }
            let current = sides[target].initialStreamWindow
            let value = exactly ? Int64(entry.value) : max(Int64(entry.value), current)
            let delta = value - current
            guard delta != 0 else { return }
            sides[target].initialStreamWindow = value
            // RFC 9113 6.9.2: the change applies to every open stream's window.
            let reversed = direction.reversed
            for id in Array(streams.keys) { streams[id]!.addWindow(delta, for: reversed) }
        case 0x5:  // SETTINGS_MAX_FRAME_SIZE
            guard (16_384...16_777_215).contains(entry.value) else {
                if !exactly {
                    output.report(
                        DissectorFinding(
                            code: .http2ProtocolError,
                            message:
                                "SETTINGS_MAX_FRAME_SIZE of \(entry.value) \(direction) is outside 16384...16777215",
                            packet: packet, endsDissection: false))
                }
                return
            }
            let current = sides[target].maxFrameSize
            sides[target].maxFrameSize = exactly ? Int(entry.value) : max(Int(entry.value), current)
        default:
            break
        }
    }

    // MARK: - Stopping

    private mutating func protocolError(_ message: String, packet: Int?, into output: inout DissectorOutput) {
        stop(code: .http2ProtocolError, message: message, packet: packet, into: &output)
    }

    private mutating func frameSizeError(
        _ header: HTTP2FrameHeader, expected: String, direction: Direction, packet: Int?,
        into output: inout DissectorOutput
    ) {
        stop(
            code: .http2FrameSizeError,
            message:
                "\(header.typeName) frame of \(header.length) bytes \(direction) on stream \(header.stream); its length must be \(expected)",
            packet: packet, into: &output)
    }

    private mutating func unreadableAfterGap(
        _ size: Int, direction: Direction, packet: Int?, into output: inout DissectorOutput
    ) {
        stop(
            code: .http2UnreadableAfterGap,
            message:
                "\(size) bytes missing \(direction) outside a DATA payload: frame boundaries and HPACK state are lost",
            packet: packet, into: &output)
    }

    /// Reports why dissection ends and drops all state: a connection error, framing that cannot be
    /// followed, or a gap.
    mutating func stop(
        code: FindingCode, severity: Severity? = nil, message: String, detail: String? = nil, packet: Int?,
        into output: inout DissectorOutput
    ) {
        guard !stopped else { return }
        stopped = true
        output.report(
            DissectorFinding(
                code: code, severity: severity, message: message,
                detail: (detail.map { $0 + "; " } ?? "") + "the rest of the conversation is not dissected",
                packet: packet,
                endsDissection: true))
        streams = [:]
        sides = []
    }

    static func excerpt(_ text: String) -> String { HTTP1Head.excerpt(text) }
}
