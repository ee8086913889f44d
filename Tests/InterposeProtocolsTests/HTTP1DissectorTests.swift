import InterposeCapture
import InterposeCore
import InterposeProtocols
import XCTest

final class HTTP1DissectorTests: XCTestCase {
    private let chunkSizes = [1, 3, 7, 64, Int.max]

    func testKeepAliveRequestsPairWithResponsesWhateverTheReadSizes() {
        for chunk in chunkSizes {
            var h = DissectorHarness(HTTP1Dissector())
            h.send(.clientToServer, "GET /users/17?full=1 HTTP/1.1\r\nHost: a\r\n\r\n", chunk: chunk)
            h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", chunk: chunk)
            h.send(.clientToServer, "POST /users HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", chunk: chunk)
            h.send(.serverToClient, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", chunk: chunk)
            h.end()
            XCTAssertEqual(
                h.requests.map(\.summary), ["GET /users/17?full=1 HTTP/1.1", "POST /users HTTP/1.1"], "chunk \(chunk)")
            XCTAssertEqual(h.requests.map(\.key), ["GET /users/{id}", "POST /users"])
            XCTAssertEqual(h.responses.map(\.name), ["200", "503"])
            XCTAssertEqual(h.responses.map(\.answers), [h.requests[0].index, h.requests[1].index])
            XCTAssertEqual(h.responses.map { $0.status?.outcome }, [.success, .serverError])
            XCTAssertEqual(h.responses[0].bytes, 43)
            XCTAssertEqual(h.output.findings, [], "chunk \(chunk)")
        }
    }

    func testIdentifierSegmentsOfEveryKindGroupAsIDAndWordsDoNot() {
        let keys: [(path: String, key: String)] = [
            ("/items/itm_0c5c7fd0", "GET /items/{id}"),
            ("/items/itm_9a8b7c6d/reviews/42", "GET /items/{id}/reviews/{id}"),
            ("/orders/0c5c7fd0", "GET /orders/{id}"),
            ("/sessions/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "GET /sessions/{id}"),
            ("/videos/dQw4w9WgXcQ", "GET /videos/{id}"),
            ("/customers/cus_NffrFeUfNV2Hib", "GET /customers/{id}"),
            ("/keys/sk_live_4eC39HqLyjWDarjtT1zdp7dc", "GET /keys/{id}"),
            ("/users/user_42", "GET /users/{id}"),
            ("/orders/order-9f8e7d6c", "GET /orders/{id}"),
            ("/blobs/k3j4h5g6f7d8s9a0q1w2", "GET /blobs/{id}"),
            ("/api-v1/users", "GET /api-v1/users"),
            ("/v2/health", "GET /v2/health"),
            ("/posts/release-2024", "GET /posts/release-2024"),
            ("/colors/deadbeef", "GET /colors/deadbeef"),
            ("/docs/getting-started", "GET /docs/getting-started"),
            ("/settings/authentication2fa", "GET /settings/authentication2fa"),
        ]
        var h = DissectorHarness(HTTP1Dissector())
        for (path, _) in keys {
            h.send(.clientToServer, "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
            h.send(.serverToClient, "HTTP/1.1 204 No Content\r\n\r\n")
        }
        h.end()
        XCTAssertEqual(h.requests.map(\.key), keys.map(\.key))
    }

    func testChunkedBodyWithTrailersAndExtensions() {
        for chunk in chunkSizes {
            var h = DissectorHarness(HTTP1Dissector())
            h.send(.clientToServer, "GET / HTTP/1.1\r\n\r\n")
            h.send(
                .serverToClient,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n",
                chunk: chunk)
            h.send(.clientToServer, "GET /2 HTTP/1.1\r\n\r\n")
            h.send(.serverToClient, "HTTP/1.1 204 No Content\r\n\r\n")
            h.end()
            XCTAssertEqual(h.responses.map(\.name), ["200", "204"], "chunk \(chunk)")
            XCTAssertEqual(h.output.findings, [])
        }
    }

    func testResponseBodyFingerprintIsOverTheContentWhateverTheFramingAndReadSizes() {
        var fingerprints: [UInt64] = []
        for chunk in chunkSizes {
            var h = DissectorHarness(HTTP1Dissector())
            h.send(.clientToServer, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\n")
            h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", chunk: chunk)
            h.send(
                .serverToClient,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
                chunk: chunk)
            h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello there", chunk: chunk)
            h.end()
            let bodies = h.responses.map(\.bodyFingerprint)
            XCTAssertEqual(bodies.count, 3, "chunk \(chunk)")
            XCTAssertNotEqual(bodies[0], 0)
            XCTAssertEqual(bodies[0], bodies[1], "the de-chunked content is fingerprinted, chunk \(chunk)")
            XCTAssertNotEqual(bodies[0], bodies[2], "chunk \(chunk)")
            XCTAssertEqual(h.requests.map(\.bodyFingerprint), [0, 0, 0])
            fingerprints.append(bodies[0])
        }
        XCTAssertEqual(Set(fingerprints).count, 1)
    }

    func testHeadAnd304HaveNoBodyEvenWithContentLength() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "HEAD /big HTTP/1.1\r\n\r\nGET /cached HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        h.end()
        XCTAssertEqual(h.responses.map(\.name), ["200", "304", "200"])
        XCTAssertEqual(h.events.map(\.name), ["100"])
        XCTAssertEqual(h.responses.map(\.answers), h.requests.map(\.index))
        XCTAssertEqual(h.output.findings, [])
    }

    func testCloseDelimitedBodyEndsAtTheServersFin() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "GET / HTTP/1.0\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.0 200 OK\r\n\r\nsome body of unknown length")
        XCTAssertTrue(h.responses.isEmpty)
        h.finish(.serverToClient)
        h.end()
        XCTAssertEqual(h.responses.count, 1)
        XCTAssertEqual(h.responses[0].version, "HTTP/1.0")
        XCTAssertEqual(h.output.findings, [])
    }

    func testResponseCutShortOfItsContentLengthIsAMismatch() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "GET / HTTP/1.1\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
        h.finish(.serverToClient)
        h.end()
        XCTAssertEqual(h.codes, ["http.content-length-mismatch"])
        XCTAssertEqual(h.output.findings.first?.severity, .error)
    }

    func testBytesBeyondAShortContentLengthAreAMismatch() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "GET / HTTP/1.1\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhello world\r\n")
        h.end()
        XCTAssertEqual(h.codes, ["http.content-length-mismatch"])
    }

    func testResetInTheMiddleOfAResponseIsReported() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "GET / HTTP/1.1\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        h.end(reset: true)
        XCTAssertEqual(h.codes, ["http.incomplete-response"])
    }

    func testCorrelationIdsRevealPipelinedResponsesOutOfOrder() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "GET /a HTTP/1.1\r\nX-Request-Id: a\r\n\r\nGET /b HTTP/1.1\r\nX-Request-Id: b\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 200 OK\r\nX-Request-Id: b\r\nContent-Length: 0\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 200 OK\r\nX-Request-Id: a\r\nContent-Length: 0\r\n\r\n")
        h.end()
        XCTAssertEqual(h.codes, ["http.response-out-of-order"])
        XCTAssertEqual(h.responses.map(\.key), ["GET /b", "GET /a"])
    }

    func testMalformedStartLineAndHeaderStopDissectionWithOneFinding() {
        for text in ["GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", "GET / HTTP/9\r\n\r\n"] {
            var h = DissectorHarness(HTTP1Dissector())
            h.send(.clientToServer, text)
            h.send(.clientToServer, "GET / HTTP/1.1\r\n\r\n")
            h.end()
            XCTAssertEqual(h.codes, ["http.malformed"], text)
            XCTAssertTrue(h.requests.isEmpty)
        }
    }

    func testConflictingContentLengthsAreReported() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
        XCTAssertEqual(h.codes, ["http.bad-content-length"])
    }

    func testEndlessHeadIsBoundedAndMalformed() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "GET / HTTP/1.1\r\n")
        for _ in 0..<2000 { h.send(.clientToServer, "X-Filler: " + String(repeating: "a", count: 100) + "\r\n") }
        XCTAssertEqual(h.codes, ["http.malformed"])
    }

    func testGapInsideABodyLosesNothingElse() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "GET / HTTP/1.1\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
        h.gap(.serverToClient, 6)
        h.send(.serverToClient, "yz")
        h.send(.clientToServer, "GET /2 HTTP/1.1\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        h.end()
        XCTAssertEqual(h.responses.count, 2)
        XCTAssertEqual(h.output.findings, [])
    }

    func testAGapInAHeadResumesAtTheNextMessage() {
        for chunk in [1, 5, Int.max] {
            var h = DissectorHarness(HTTP1Dissector())
            h.send(.clientToServer, "GET /1 HTTP/1.1\r\nHo", chunk: chunk)
            h.gap(.clientToServer, 40)
            h.send(.clientToServer, "st: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n", chunk: chunk)
            h.send(
                .serverToClient,
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                chunk: chunk)
            h.gap(.serverToClient, 100)
            h.send(.serverToClient, "junk\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", chunk: chunk)
            h.end()
            XCTAssertEqual(h.codes, ["http.unreadable-after-gap"], "one finding, chunk \(chunk)")
            XCTAssertEqual(h.output.findings.first?.endsDissection, true)
            XCTAssertEqual(h.requests.map(\.summary), ["GET /2 HTTP/1.1"])
            XCTAssertEqual(h.responses.map(\.name), ["200", "404", "200"], "chunk \(chunk)")
        }
    }

    func testUpgradeHandsTheRestOnAsRaw() {
        var h = DissectorHarness(HTTP1Dissector())
        h.send(.clientToServer, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        h.send(.serverToClient, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u{81}\u{05}hello")
        h.send(.clientToServer, "\u{81}\u{85}xxxxhello")
        h.end()
        XCTAssertEqual(h.responses.map(\.name), ["101"])
        XCTAssertEqual(h.output.findings, [])
        XCTAssertEqual(h.events.count, 2)
    }
}
