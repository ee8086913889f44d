import InterposeCore
import InterposeProtocols
import NIOCore
import XCTest

/// What the HTTP/2 dissector keeps for replay and `diff` when asked (`keepsContent`), read back by
/// the HTTP/2 content decoder: interleaved streams each with their own header fields and body,
/// gRPC messages split across DATA frames, trailers, trailers-only answers, the body limit.
final class HTTP2ContentTests: XCTestCase {
    private typealias W = HTTP2Wire
    private let decoding = ProtocolRegistry.standard.descriptor(for: .http2).content

    private func opened(keepsContent: Bool = true) -> DissectorHarness {
        var h = DissectorHarness(HTTP2Dissector(keepsContent: keepsContent))
        h.send(.clientToServer, W.preface + W.settings())
        h.send(.serverToClient, W.settings() + W.settingsAck)
        h.send(.clientToServer, W.settingsAck)
        return h
    }

    private func fields(_ message: Message?, schema: ContentSchema = .none) -> [String] {
        guard let message, let fields = decoding.fields?(message.content, schema) else { return ["(none)"] }
        return fields.map { "\($0.path)=\($0.value)" }
    }

    /// A GET on `stream`, ended by its HEADERS.
    private static func get(_ client: inout W, _ stream: UInt32, _ path: String) -> [UInt8] {
        client.headers(
            stream, [(":method", "GET"), (":scheme", "http"), (":path", path), (":authority", "a")], endStream: true)
    }

    /// The HEADERS of a gRPC call to `path` on stream 1.
    private static func grpcCall(_ client: inout W, _ path: String) -> [UInt8] {
        client.headers(
            1,
            [
                (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "a"),
                ("content-type", "application/grpc"), ("te", "trailers"),
            ])
    }

    private static func grpcFrame(_ message: [UInt8]) -> [UInt8] {
        [
            0, UInt8(message.count >> 24 & 0xFF), UInt8(message.count >> 16 & 0xFF), UInt8(message.count >> 8 & 0xFF),
            UInt8(message.count & 0xFF),
        ] + message
    }

    func testInterleavedStreamsKeepTheirOwnHeadersAndBodiesWhateverTheReadSizes() {
        for chunk in [1, 5, Int.max] {
            var client = W()
            var server = W()
            var h = opened()
            for (stream, path) in [(UInt32(1), "/users/7"), (3, "/readme")] {
                h.send(.clientToServer, Self.get(&client, stream, path), chunk: chunk)
            }
            h.send(
                .serverToClient,
                server.headers(1, [(":status", "200"), ("content-type", "application/json"), ("x-id", "a")])
                    + server.headers(3, [(":status", "404"), ("content-type", "text/plain")])
                    + W.data(1, Array(#"{"user":{"plan""#.utf8)) + W.data(3, Array("not\nhere".utf8), endStream: true)
                    + W.data(1, Array(#":"pro","id":7}}"#.utf8), endStream: true), chunk: chunk)
            let byPath = Dictionary(uniqueKeysWithValues: h.responses.map { ($0.key, $0) })
            XCTAssertEqual(
                fields(byPath["GET /users/{id}"]),
                [
                    "status=200", "header:content-type=application/json", "header:x-id=a", "json:$.user.id=7",
                    #"json:$.user.plan="pro""#,
                ], "chunk \(chunk)")
            XCTAssertEqual(
                fields(byPath["GET /readme"]), ["status=404", "header:content-type=text/plain", "body=not\nhere"],
                "chunk \(chunk)")
            XCTAssertEqual(
                decoding.text?(byPath["GET /readme"]!.content, false, .none),
                ":status: 404\ncontent-type: text/plain\n\nnot\nhere")
            XCTAssertEqual(
                h.requests.map { decoding.text?($0.content, true, .none) },
                [
                    ":method: GET\n:scheme: http\n:path: /users/7\n:authority: a",
                    ":method: GET\n:scheme: http\n:path: /readme\n:authority: a",
                ])
        }
    }

    func testGRPCMessagesSplitAcrossFramesAndTheStatusInTheTrailers() {
        var client = W()
        var server = W()
        var h = opened()
        h.send(
            .clientToServer,
            Self.grpcCall(&client, "/demo.Users/List") + W.data(1, Self.grpcFrame([0x08, 0x07]), endStream: true))
        // Two messages, {1: 1, 2: "ada"} and {1: 7}, the first split across two DATA frames.
        let body = Self.grpcFrame([0x08, 0x01, 0x12, 0x03] + Array("ada".utf8)) + Self.grpcFrame([0x08, 0x07])
        h.send(
            .serverToClient,
            server.headers(1, [(":status", "200"), ("content-type", "application/grpc")])
                + W.data(1, Array(body[..<6])) + W.data(1, Array(body[6...]))
                + server.headers(1, [("grpc-status", "0"), ("grpc-message", ""), ("x-trace", "t1")], endStream: true))
        XCTAssertEqual(
            fields(h.responses.first),
            [
                "status=200", "header:content-type=application/grpc", "grpc-status=0", "grpc-message=", "grpc:1=1",
                #"grpc:2="ada""#, "grpc[1]:1=7", "trailer:x-trace=t1",
            ])
        XCTAssertEqual(
            decoding.text?(h.responses.first!.content, false, .none),
            """
            :status: 200
            content-type: application/grpc

            message 0:
            1: 1
            2: "ada"

            message 1:
            1: 7

            grpc-status: 0
            grpc-message: \("")
            x-trace: t1
            """)
    }

    func testATrailersOnlyGRPCAnswerHasItsStatusInItsOneHeaderBlock() {
        var client = W()
        var server = W()
        var h = opened()
        h.send(
            .clientToServer,
            Self.grpcCall(&client, "/demo.Users/Get") + W.data(1, Self.grpcFrame([0x08, 0x63]), endStream: true))
        h.send(
            .serverToClient,
            server.headers(
                1,
                [
                    (":status", "200"), ("content-type", "application/grpc"), ("grpc-status", "5"),
                    ("grpc-message", "no user 99"),
                ], endStream: true))
        XCTAssertEqual(
            fields(h.responses.first),
            ["status=200", "header:content-type=application/grpc", "grpc-status=5", "grpc-message=no user 99"])
    }

    func testABodyOverTheLimitIsCutAndSaysSo() {
        var client = W()
        var server = W()
        var h = opened()
        h.send(.clientToServer, Self.get(&client, 1, "/big"))
        h.send(.serverToClient, W.windowUpdate(0, 4 << 20))
        h.send(.clientToServer, W.windowUpdate(0, 4 << 20) + W.windowUpdate(1, 4 << 20))
        h.send(.serverToClient, server.headers(1, [(":status", "200")]))
        let frame = [UInt8](repeating: 0x61, count: 16_384)
        let frames = HTTP2Dissector.contentLimit / frame.count + 2
        for index in 0..<frames { h.send(.serverToClient, W.data(1, frame, endStream: index == frames - 1)) }
        let response = h.responses.first
        XCTAssertEqual(response?.contentTruncated, true)
        XCTAssertLessThan(response?.content.count ?? .max, HTTP2Dissector.contentLimit + 100)
        XCTAssertEqual(h.codes, [])
    }

    func testWithoutKeepsContentNothingIsKept() {
        var client = W()
        var server = W()
        var h = opened(keepsContent: false)
        h.send(.clientToServer, Self.get(&client, 1, "/"))
        h.send(.serverToClient, server.headers(1, [(":status", "200")]) + W.data(1, [0x41], endStream: true))
        XCTAssertEqual(h.responses.map(\.content), [[]])
        XCTAssertEqual(h.requests.map(\.content), [[]])
    }
}
