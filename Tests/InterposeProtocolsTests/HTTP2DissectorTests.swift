import InterposeCapture
import InterposeCore
import InterposeProtocols
import NIOCore
import XCTest

final class HTTP2DissectorTests: XCTestCase {
    private let chunkSizes = [1, 7, Int.max]
    private typealias W = HTTP2Wire

    /// A connection after both prefaces and the SETTINGS exchange.
    private func opened(chunk: Int = .max, serverSettings: [(UInt16, UInt32)] = []) -> DissectorHarness {
        var h = DissectorHarness(HTTP2Dissector())
        h.send(.clientToServer, W.preface + W.settings([(0x2, 0), (0x4, 65_535)]), chunk: chunk)
        h.send(.serverToClient, W.settings(serverSettings) + W.settingsAck, chunk: chunk)
        h.send(.clientToServer, W.settingsAck, chunk: chunk)
        return h
    }

    private func grpcRequest(_ client: inout HTTP2Wire, _ stream: UInt32, path: String = "/pkg.Service/Method")
        -> [UInt8]
    {
        client.headers(
            stream,
            [
                (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "a"),
                ("content-type", "application/grpc"), ("te", "trailers"),
            ])
    }

    func testInterleavedGetAndPostPairByStreamWhateverTheReadSizes() {
        for chunk in chunkSizes {
            var client = HTTP2Wire()
            var server = HTTP2Wire()
            var h = opened(chunk: chunk)
            h.send(
                .clientToServer,
                client.headers(
                    1, [(":method", "GET"), (":scheme", "http"), (":path", "/users/7?x=1"), (":authority", "a")],
                    endStream: true), chunk: chunk)
            h.send(
                .clientToServer,
                client.headers(
                    3,
                    [
                        (":method", "POST"), (":scheme", "http"), (":path", "/upload"), (":authority", "a"),
                        ("content-type", "text/plain"),
                    ]) + W.data(3, Array("abc".utf8)), chunk: chunk)
            h.send(.serverToClient, server.headers(3, [(":status", "201")]), chunk: chunk)
            h.send(.clientToServer, W.ping() + W.data(3, Array("def".utf8), endStream: true), chunk: chunk)
            let notFound = server.headers(1, [(":status", "404"), ("content-type", "text/plain")])
            h.send(.serverToClient, W.ping(ack: true) + notFound, chunk: chunk)
            h.send(
                .serverToClient,
                W.data(1, Array("nope".utf8), endStream: true) + W.windowUpdate(0, 6) + W.windowUpdate(3, 6),
                chunk: chunk)
            h.send(.serverToClient, W.data(3, [], endStream: true), chunk: chunk)
            h.end()
            XCTAssertEqual(h.output.findings, [], "chunk \(chunk)")
            XCTAssertEqual(h.requests.map(\.summary), ["GET /users/7?x=1", "POST /upload"], "chunk \(chunk)")
            XCTAssertEqual(h.requests.map(\.key), ["GET /users/{id}", "POST /upload"])
            XCTAssertEqual(h.requests.map(\.version), ["HTTP/2", "HTTP/2"])
            XCTAssertTrue(h.requests.allSatisfy(\.expectsResponse))
            XCTAssertEqual(h.responses.map(\.name), ["404", "201"])
            XCTAssertEqual(h.responses.map(\.answers), [h.requests[0].index, h.requests[1].index])
            XCTAssertEqual(h.responses.map(\.key), ["GET /users/{id}", "POST /upload"])
            XCTAssertEqual(h.responses.map { $0.status?.outcome }, [.clientError, .success])
            // Frame payload bytes: the HEADERS block and the body.
            XCTAssertEqual(h.responses[0].bytes, Int64(notFound.count - 9 + 4))
            XCTAssertNotEqual(h.requests[0].fingerprint, 0)
        }
    }

    func testResponseBodiesAreFingerprintedWhateverTheirDataFrames() {
        func fingerprint(_ frames: [[UInt8]]) -> UInt64? {
            var client = HTTP2Wire()
            var server = HTTP2Wire()
            var h = opened(chunk: .max)
            h.send(
                .clientToServer,
                client.headers(
                    1, [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "a")], endStream: true))
            var bytes = server.headers(1, [(":status", "200")])
            for (position, frame) in frames.enumerated() {
                bytes += W.data(1, frame, endStream: position == frames.count - 1)
            }
            h.send(.serverToClient, bytes)
            h.end()
            return h.responses.first?.bodyFingerprint
        }
        let whole = fingerprint([Array("hello, world".utf8)])
        XCTAssertNotEqual(whole, 0)
        XCTAssertEqual(fingerprint([Array("hello".utf8), Array(", wor".utf8), Array("ld".utf8)]), whole)
        XCTAssertNotEqual(fingerprint([Array("hello, World".utf8)]), whole)
    }

    func testFingerprintIsStableAcrossConnectionsAndBodies() {
        func post(_ body: String) -> UInt64 {
            var client = HTTP2Wire()
            var h = opened()
            h.send(
                .clientToServer,
                client.headers(1, [(":method", "POST"), (":scheme", "http"), (":path", "/x")])
                    + W.data(1, Array(body.utf8), endStream: true))
            return h.requests.first?.fingerprint ?? 0
        }
        XCTAssertEqual(post("same"), post("same"))
        XCTAssertNotEqual(post("same"), post("other"))
    }

    func testGRPCUnaryCallsReadTheirStatusFromTrailers() {
        for chunk in chunkSizes {
            var client = HTTP2Wire()
            var server = HTTP2Wire()
            var h = opened(chunk: chunk)
            let message = W.grpcMessage(Array(repeating: 7, count: 300))
            // The message is split across two DATA frames in the middle of its prefix.
            h.send(
                .clientToServer,
                grpcRequest(&client, 1) + W.data(1, Array(message[..<3]))
                    + W.data(1, Array(message[3...]), endStream: true), chunk: chunk)
            h.send(
                .serverToClient,
                server.headers(1, [(":status", "200"), ("content-type", "application/grpc")])
                    + W.data(1, W.grpcMessage([1, 2, 3])), chunk: chunk)
            h.send(.serverToClient, server.headers(1, [("grpc-status", "0")], endStream: true), chunk: chunk)
            // Trailers-only answer: UNAVAILABLE.
            h.send(
                .clientToServer,
                grpcRequest(&client, 3) + W.data(3, W.grpcMessage([]) + W.grpcMessage([9]), endStream: true),
                chunk: chunk)
            h.send(
                .serverToClient,
                server.headers(
                    3,
                    [
                        (":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "14"),
                        ("grpc-message", "backend down"),
                    ], endStream: true), chunk: chunk)
            h.end()
            XCTAssertEqual(h.output.findings, [], "chunk \(chunk)")
            XCTAssertEqual(
                h.requests.map(\.summary),
                ["POST /pkg.Service/Method (1 message)", "POST /pkg.Service/Method (2 messages)"])
            XCTAssertEqual(
                h.responses.map(\.summary),
                ["grpc-status 0 (OK), 1 message", "grpc-status 14 (UNAVAILABLE), 0 messages: backend down"])
            XCTAssertEqual(
                h.responses.map(\.status),
                [MessageStatus(.success, code: "grpc-0"), MessageStatus(.serverError, code: "grpc-14")])
            XCTAssertEqual(h.responses.map(\.answers), h.requests.map(\.index))
        }
    }

    func testGRPCStatusClasses() {
        var client = HTTP2Wire()
        var server = HTTP2Wire()
        var h = opened()
        let codes = [3, 5, 7, 16, 13]
        for (n, code) in codes.enumerated() {
            let stream = UInt32(2 * n + 1)
            h.send(.clientToServer, grpcRequest(&client, stream) + W.data(stream, W.grpcMessage([1]), endStream: true))
            h.send(
                .serverToClient,
                server.headers(
                    stream, [(":status", "200"), ("content-type", "application/grpc"), ("grpc-status", String(code))],
                    endStream: true))
        }
        XCTAssertEqual(
            h.responses.map { $0.status?.outcome },
            [.clientError, .clientError, .authenticationFailure, .authenticationFailure, .serverError])
    }

    func testGRPCWithoutStatusOrWithAShortMessageIsReported() {
        var client = HTTP2Wire()
        var server = HTTP2Wire()
        var h = opened()
        // The prefix announces 100 bytes; 10 come before END_STREAM.
        h.send(
            .clientToServer,
            grpcRequest(&client, 1) + W.data(1, [0] + W.be32(100) + Array(repeating: 1, count: 10), endStream: true))
        h.send(
            .serverToClient,
            server.headers(1, [(":status", "200"), ("content-type", "application/grpc")])
                + W.data(1, W.grpcMessage([1])))
        h.send(.serverToClient, server.headers(1, [("x-other", "1")], endStream: true))
        h.end()
        XCTAssertEqual(h.codes, ["grpc.malformed", "grpc.missing-status"])
        XCTAssertTrue(h.output.findings.allSatisfy { $0.severity == .error && !$0.endsDissection })
        XCTAssertEqual(h.responses.count, 1)
    }

    func testResetStreamsEndTheExchangeWithAFinding() {
        var client = HTTP2Wire()
        var server = HTTP2Wire()
        var h = opened()
        h.send(.clientToServer, client.headers(1, [(":method", "GET"), (":path", "/slow")], endStream: true))
        h.send(.clientToServer, W.rstStream(1, 8))  // CANCEL by the client
        h.send(.clientToServer, client.headers(3, [(":method", "GET"), (":path", "/busy")], endStream: true))
        h.send(.serverToClient, W.rstStream(3, 7))  // REFUSED_STREAM
        h.send(.clientToServer, client.headers(5, [(":method", "POST"), (":path", "/big")]) + W.data(5, [1, 2, 3]))
        h.send(.serverToClient, server.headers(5, [(":status", "413")], endStream: true) + W.rstStream(5, 0))
        h.end()
        XCTAssertEqual(h.codes, ["http2.stream-reset", "http2.stream-reset"])
        XCTAssertEqual(h.output.findings.map(\.severity), [.warning, .error])
        XCTAssertTrue(h.output.findings[1].message.contains("REFUSED_STREAM"), h.output.findings[1].message)
        XCTAssertEqual(h.requests.count, 3)
        XCTAssertEqual(h.responses.count, 3)
        XCTAssertEqual(h.responses.map(\.answers), h.requests.map(\.index))
        XCTAssertEqual(h.responses[1].status, MessageStatus(.serverError, code: "RST_STREAM REFUSED_STREAM"))
        XCTAssertEqual(h.responses[2].name, "413")
    }

    func testGoawayIsAnEventAndAnErrorCodeAFinding() {
        var h = opened()
        h.send(.serverToClient, W.goaway(lastStream: 0, 0))
        h.send(.serverToClient, W.goaway(lastStream: 0, 11, debug: "too many pings"))
        h.end()
        XCTAssertEqual(
            h.events.map(\.summary),
            ["GOAWAY NO_ERROR, last stream 0", "GOAWAY ENHANCE_YOUR_CALM, last stream 0 'too many pings'"])
        XCTAssertEqual(h.codes, ["http2.goaway"])
        XCTAssertEqual(h.output.findings.first?.severity, .warning)
        XCTAssertTrue(h.output.findings.first?.message.contains("ENHANCE_YOUR_CALM") ?? false)
    }

    func testFrameLargerThanTheAnnouncedMaximumIsAFrameSizeError() {
        var client = HTTP2Wire()
        var h = opened()
        h.send(
            .clientToServer,
            client.headers(1, [(":method", "POST"), (":path", "/")]) + W.data(1, Array(repeating: 0, count: 16_385)))
        XCTAssertEqual(h.codes, ["http2.frame-size-error"])
        XCTAssertTrue(h.output.findings[0].endsDissection)

        // Once the server allows 32768-byte frames, 20000 bytes are fine.
        var client2 = HTTP2Wire()
        var server2 = HTTP2Wire()
        var h2 = opened(serverSettings: [(0x5, 32_768)])
        h2.send(
            .clientToServer,
            client2.headers(1, [(":method", "POST"), (":path", "/")])
                + W.data(1, Array(repeating: 0, count: 20_000), endStream: true))
        h2.send(.serverToClient, server2.headers(1, [(":status", "200")], endStream: true))
        h2.end()
        XCTAssertEqual(h2.output.findings, [])
        XCTAssertEqual(h2.responses.count, 1)
    }

    func testHugeLengthsAreNeverAllocated() {
        // 2^24-1 before any SETTINGS allows it: a frame-size error at once.
        var h = opened()
        h.send(.clientToServer, W.frameHeader(length: 0xFF_FFFF, type: 0x1, flags: 0, stream: 1) + [1, 2, 3])
        XCTAssertEqual(h.codes, ["http2.frame-size-error"])

        // Allowed by SETTINGS_MAX_FRAME_SIZE, a 16 MiB header block is still refused before it is kept.
        var h2 = opened(serverSettings: [(0x5, 0xFF_FFFF)])
        h2.send(.clientToServer, W.frameHeader(length: 0xFF_FFFF, type: 0x1, flags: 0, stream: 1) + [1, 2, 3])
        XCTAssertEqual(h2.codes, ["http2.malformed"])
        XCTAssertTrue(h2.output.findings[0].message.contains("header block too large"))

        // A huge DATA frame is counted, not kept (and overruns the window).
        var client3 = HTTP2Wire()
        var h3 = opened(serverSettings: [(0x5, 0xFF_FFFF)])
        h3.send(
            .clientToServer,
            client3.headers(1, [(":method", "POST"), (":path", "/")])
                + W.frameHeader(length: 0xFF_FFFF, type: 0x0, stream: 1))
        h3.send(.clientToServer, Array(repeating: 0, count: 100_000))
        XCTAssertEqual(h3.codes, ["http2.flow-control-error"])
    }

    func testContinuationMustFollowAnOpenHeaderBlock() {
        var client = HTTP2Wire()
        let block = client.block([(":method", "GET"), (":path", "/split/header/block"), (":authority", "example")])
        // Split properly into HEADERS + CONTINUATION: read as one request.
        for chunk in chunkSizes {
            var h = opened(chunk: chunk)
            h.send(
                .clientToServer,
                W.frame(0x1, flags: W.endStream, stream: 1, Array(block[..<5]))
                    + W.frame(0x9, flags: W.endHeaders, stream: 1, Array(block[5...])), chunk: chunk)
            XCTAssertEqual(h.requests.map(\.summary), ["GET /split/header/block"])
            XCTAssertEqual(h.output.findings, [])
        }
        // Another frame in the middle of the block.
        var client2 = HTTP2Wire()
        let block2 = client2.block([(":method", "GET"), (":path", "/")])
        var h = opened()
        h.send(.clientToServer, W.frame(0x1, stream: 1, Array(block2[..<2])) + W.ping())
        XCTAssertEqual(h.codes, ["http2.protocol-error"])
        XCTAssertTrue(h.output.findings[0].endsDissection)
        // A CONTINUATION on another stream.
        var h2 = opened()
        h2.send(
            .clientToServer,
            W.frame(0x1, stream: 1, Array(block2[..<2]))
                + W.frame(0x9, flags: W.endHeaders, stream: 3, Array(block2[2...])))
        XCTAssertEqual(h2.codes, ["http2.protocol-error"])
        // A CONTINUATION with nothing to continue.
        var h3 = opened()
        h3.send(.clientToServer, W.frame(0x9, flags: W.endHeaders, stream: 1, block2))
        XCTAssertEqual(h3.codes, ["http2.protocol-error"])
    }

    func testPaddingAndPriorityAreStripped() {
        var client = HTTP2Wire()
        var server = HTTP2Wire()
        var h = opened()
        let block = client.block([(":method", "POST"), (":path", "/padded")])
        let headers = W.frame(
            0x1, flags: W.endHeaders | W.padded | W.priority, stream: 1, [3] + [0, 0, 0, 0, 16] + block + [0, 0, 0])
        let data = W.frame(0x0, flags: W.padded | W.endStream, stream: 1, [2] + Array("body".utf8) + [0, 0])
        h.send(.clientToServer, headers + data, chunk: 1)
        h.send(.serverToClient, server.headers(1, [(":status", "204")], endStream: true))
        h.end()
        XCTAssertEqual(h.output.findings, [])
        XCTAssertEqual(h.requests.map(\.summary), ["POST /padded"])
        XCTAssertEqual(h.requests.first?.bytes, Int64(headers.count + data.count - 18))
    }

    func testFlowControlWindowsAreFollowed() {
        let frame = Array(repeating: UInt8(0), count: 16_384)
        // 4 x 16384 = 65536 > 65535 without WINDOW_UPDATE.
        var client = HTTP2Wire()
        var h = opened()
        h.send(.clientToServer, client.headers(1, [(":method", "POST"), (":path", "/")]))
        for _ in 0..<4 { h.send(.clientToServer, W.data(1, frame)) }
        XCTAssertEqual(h.codes, ["http2.flow-control-error"])
        XCTAssertEqual(h.output.findings.first?.severity, .error)

        // With updates on the connection and the stream it is fine.
        var client2 = HTTP2Wire()
        var h2 = opened()
        h2.send(.clientToServer, client2.headers(1, [(":method", "POST"), (":path", "/")]))
        for _ in 0..<3 { h2.send(.clientToServer, W.data(1, frame)) }
        h2.send(.serverToClient, W.windowUpdate(0, 49_152) + W.windowUpdate(1, 49_152))
        for _ in 0..<3 { h2.send(.clientToServer, W.data(1, frame)) }
        XCTAssertEqual(h2.output.findings, [])

        // A larger SETTINGS_INITIAL_WINDOW_SIZE opens the stream window, not the connection's.
        var client3 = HTTP2Wire()
        var h3 = opened(serverSettings: [(0x4, 1_000_000)])
        h3.send(.clientToServer, client3.headers(1, [(":method", "POST"), (":path", "/")]))
        h3.send(.serverToClient, W.windowUpdate(0, 1_000_000))
        for _ in 0..<10 { h3.send(.clientToServer, W.data(1, frame)) }
        XCTAssertEqual(h3.output.findings, [])
        for _ in 0..<60 { h3.send(.clientToServer, W.data(1, frame)) }
        XCTAssertEqual(h3.codes, ["http2.flow-control-error"])
    }

    func testZeroWindowUpdateIsAProtocolError() {
        var h = opened()
        h.send(.serverToClient, W.windowUpdate(0, 0))
        XCTAssertEqual(h.codes, ["http2.protocol-error"])
        XCTAssertFalse(h.output.findings[0].endsDissection)
    }

    func testSettingsThePeerTalksPastWithoutAcknowledgingAreReported() {
        var h = DissectorHarness(HTTP2Dissector())
        h.send(.clientToServer, W.preface + W.settings())
        h.send(.serverToClient, W.settings([(0x3, 100)]) + W.settingsAck)
        h.send(.clientToServer, W.ping() + W.windowUpdate(0, 1000))
        h.end()
        XCTAssertEqual(h.codes, ["http2.settings-unacknowledged"])
        XCTAssertEqual(h.output.findings.first?.severity, .warning)
    }

    func testSettingsOfAConnectionClosedAtOnceNeedNoAcknowledgement() {
        var h = DissectorHarness(HTTP2Dissector())
        h.send(.clientToServer, W.preface + W.settings())
        h.send(.serverToClient, W.settings([(0x3, 100)]) + W.settingsAck)
        h.send(.clientToServer, W.goaway(lastStream: 0, 0))
        h.end()
        XCTAssertEqual(h.codes, [])
    }

    func testMissingPrefaceIsMalformed() {
        var h = DissectorHarness(HTTP2Dissector())
        h.send(.clientToServer, "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")
        h.send(.clientToServer, W.settings())
        h.end()
        XCTAssertEqual(h.codes, ["http2.malformed"])
        XCTAssertTrue(h.output.findings[0].endsDissection)
    }

    func testOpenStreamsAtTheEndAreIncomplete() {
        for reset in [false, true] {
            var client = HTTP2Wire()
            var server = HTTP2Wire()
            var h = opened()
            h.send(.clientToServer, client.headers(1, [(":method", "GET"), (":path", "/a")], endStream: true))
            h.send(.clientToServer, client.headers(3, [(":method", "GET"), (":path", "/b")], endStream: true))
            h.send(.serverToClient, server.headers(3, [(":status", "200")]) + W.data(3, [1]))
            h.end(reset: reset)
            XCTAssertEqual(h.codes, ["http2.incomplete-stream"])
            XCTAssertEqual(h.output.findings[0].severity, reset ? .error : .warning)
            XCTAssertTrue(h.output.findings[0].message.contains("2 streams"), h.output.findings[0].message)
        }
    }

    func testGapInsideDataIsSteppedOverElsewhereItStops() {
        var client = HTTP2Wire()
        var server = HTTP2Wire()
        var h = opened()
        h.send(
            .clientToServer,
            client.headers(1, [(":method", "POST"), (":path", "/")])
                + W.frameHeader(length: 1000, type: 0x0, flags: W.endStream, stream: 1)
                + Array(repeating: 0, count: 100))
        h.gap(.clientToServer, 800)
        h.send(.clientToServer, Array(repeating: 0, count: 100))
        h.send(.serverToClient, server.headers(1, [(":status", "200")], endStream: true))
        XCTAssertEqual(h.output.findings, [])
        XCTAssertEqual(h.requests.count, 1)
        XCTAssertEqual(h.responses.count, 1)

        // gRPC: a gap inside a message body is fine, one over a length prefix is not.
        var h2 = opened()
        var client2 = HTTP2Wire()
        h2.send(
            .clientToServer,
            grpcRequest(&client2, 1) + W.frameHeader(length: 205, type: 0x0, stream: 1) + [0] + W.be32(100) + [1])
        h2.gap(.clientToServer, 50)
        h2.send(.clientToServer, Array(repeating: 0, count: 49))
        XCTAssertEqual(h2.output.findings, [])
        h2.gap(.clientToServer, 10)
        XCTAssertEqual(h2.codes, ["http2.unreadable-after-gap"])

        var h3 = opened()
        h3.gap(.serverToClient, 5)
        XCTAssertEqual(h3.codes, ["http2.unreadable-after-gap"])
        XCTAssertEqual(h3.output.findings[0].severity, .warning)
    }

    func testH2CUpgradeAnswersTheHTTP1RequestOnStreamOne() {
        for chunk in chunkSizes {
            var server = HTTP2Wire()
            var h = DissectorHarness(HTTP1Dissector())
            h.send(
                .clientToServer,
                "GET /file HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
                chunk: chunk)
            h.send(
                .serverToClient,
                Array("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n".utf8)
                    + W.settings([(0x3, 100)]) + server.headers(1, [(":status", "200")])
                    + W.data(1, Array("hello".utf8), endStream: true), chunk: chunk)
            h.send(.clientToServer, W.preface + W.settings() + W.settingsAck, chunk: chunk)
            h.send(.serverToClient, W.settingsAck + W.goaway(lastStream: 1, 0), chunk: chunk)
            h.end()
            XCTAssertEqual(h.output.findings, [], "chunk \(chunk)")
            XCTAssertEqual(h.requests.map(\.summary), ["GET /file HTTP/1.1"])
            XCTAssertEqual(h.responses.map(\.name), ["200"])
            XCTAssertEqual(h.responses.map(\.answers), [h.requests[0].index])
            XCTAssertEqual(h.responses.map(\.key), ["GET /file"])
            XCTAssertEqual(h.events.map(\.name), ["101", "GOAWAY"])
            XCTAssertEqual(Set(h.output.messages.map(\.index)).count, 4, "indexes are unique across the upgrade")
        }
    }

    func testConversationDissectorReadsPriorKnowledgeAsHTTP2() {
        var client = HTTP2Wire()
        var server = HTTP2Wire()
        let connection = ConnectionDescriptor(
            id: ConnectionID(1), client: Endpoint(address: IPAddress("127.0.0.1")!, port: 50_000),
            server: Endpoint(address: IPAddress("127.0.0.1")!, port: 8080))
        var conversation = ConversationDissector(connection: connection)
        var output = DissectorOutput()
        let frames: [(Direction, [UInt8])] = [
            (.serverToClient, W.settings()),
            (
                .clientToServer,
                W.preface + W.settings() + W.settingsAck
                    + client.headers(1, [(":method", "GET"), (":path", "/")], endStream: true)
            ),
            (.serverToClient, W.settingsAck + server.headers(1, [(":status", "200")], endStream: true)),
        ]
        for (n, (direction, bytes)) in frames.enumerated() {
            conversation.consume(
                Frame(
                    connection: connection.id, direction: direction,
                    timestamp: Timestamp(nanosecondsSinceEpoch: Int64(n)), event: .data(ByteBuffer(bytes: bytes))),
                into: &output)
        }
        conversation.consume(
            Frame(
                connection: connection.id, direction: .clientToServer, timestamp: Timestamp(nanosecondsSinceEpoch: 9),
                event: .close), into: &output)
        XCTAssertEqual(conversation.detection?.application, .http2)
        XCTAssertEqual(output.messages.map(\.role), [.request, .response])
        XCTAssertEqual(output.findings, [])
    }

    func testTooManyOpenStreamsStopsDissection() {
        var client = HTTP2Wire()
        var h = opened()
        var bytes: [UInt8] = []
        for n in 0...10_000 {
            bytes += client.headers(UInt32(2 * n + 1), [(":method", "GET"), (":path", "/")])
        }
        h.send(.clientToServer, bytes)
        XCTAssertEqual(h.codes, ["http2.too-many-streams"])
        XCTAssertTrue(h.output.findings[0].endsDissection)
    }

    func testArbitraryBytesNeverCrash() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
        for round in 0..<300 {
            var h = DissectorHarness(HTTP2Dissector())
            var client = HTTP2Wire()
            h.send(.clientToServer, W.preface + W.settings() + client.headers(1, [(":method", "GET"), (":path", "/")]))
            for _ in 0..<8 {
                // Mostly plausible frame headers with small lengths, random types, flags and payloads.
                let length = Int(next() % 40)
                var frame = W.frameHeader(length: length, type: next() % 11, flags: next(), stream: UInt32(next() % 6))
                for _ in 0..<length { frame.append(next()) }
                if next() % 5 == 0 { frame = (0..<Int(next())).map { _ in next() } }
                h.send(round % 2 == 0 ? .clientToServer : .serverToClient, frame, chunk: Int(next() % 9) + 1)
                if next() % 7 == 0 { h.gap(.serverToClient, Int(next())) }
            }
            h.end(reset: round % 3 == 0)
        }
    }
}
