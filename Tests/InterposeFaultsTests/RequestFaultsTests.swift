import InterposeCapture
import InterposeCore
import InterposeFaults
import NIOCore
import XCTest

/// Request-level faults on HTTP/1 and Redis bytes, without sockets.
final class RequestFaultsTests: XCTestCase {
    private let t = Timestamp(nanosecondsSinceEpoch: 0)

    private func get(_ path: String) -> ByteBuffer {
        ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
    }

    func testHTTPStatusAlwaysAnswersWhenNothingIsOutstanding() {
        var faults = RequestFaults(connection: 1, serverPort: 8080, seed: 1)
        _ = faults.update([Toxic(type: .httpStatus, stream: .upstream, attributes: ["status": 503, "retry_after": 2])])
        let actions = faults.receiveRequestBytes(get("/x"), at: t)
        XCTAssertEqual(actions.count, 1)
        guard case .answer(let answer, _, let note)? = actions.first else { return XCTFail("\(actions)") }
        let text = String(buffer: answer)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), text)
        XCTAssertTrue(text.contains("Retry-After: 2\r\n"))
        XCTAssertTrue(text.contains("Content-Length: "))
        XCTAssertEqual(note, "http_status_upstream: answered 503 instead of forwarding GET /x HTTP/1.1")
    }

    func testRequestsAreHeldUntilComplete() {
        var faults = RequestFaults(connection: 1, serverPort: 8080, seed: 1)
        _ = faults.update([Toxic(type: .httpStatus, toxicity: 0)])
        XCTAssertEqual(
            faults.receiveRequestBytes(ByteBuffer(string: "POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nab"), at: t), []
        )
        XCTAssertEqual(faults.heldBytes, 41)
        let actions = faults.receiveRequestBytes(ByteBuffer(string: "cdGET /b HTTP/1.1\r\n\r\n"), at: t)
        XCTAssertEqual(
            actions,
            [
                .forward(ByteBuffer(string: "POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd")),
                .forward(ByteBuffer(string: "GET /b HTTP/1.1\r\n\r\n")),
            ])
    }

    func testAnswerWaitsForOutstandingRequests() {
        var faults = RequestFaults(connection: 1, serverPort: 8080, seed: 1)
        _ = faults.update([Toxic(type: .httpStatus, toxicity: 1)])
        // Nothing outstanding: answered. Then toxicity drops to 0 to forward one, which stays outstanding.
        _ = faults.update([Toxic(type: .httpStatus, toxicity: 0)])
        XCTAssertEqual(faults.receiveRequestBytes(get("/1"), at: t), [.forward(get("/1"))])
        _ = faults.update([Toxic(type: .httpStatus, toxicity: 1)])
        XCTAssertEqual(
            faults.receiveRequestBytes(get("/2"), at: t), [.forward(get("/2"))], "/1 is still at the upstream")
        faults.receiveResponseBytes(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), at: t)
        faults.receiveResponseBytes(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), at: t)
        guard case .answer? = faults.receiveRequestBytes(get("/3"), at: t).first else { return XCTFail() }
    }

    func testRedisErrorAnswersCommands() {
        var faults = RequestFaults(connection: 1, serverPort: 6379, seed: 1)
        _ = faults.update([Toxic(type: .redisError, attributes: ["error": "BUSY busy"])])
        let actions = faults.receiveRequestBytes(ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"), at: t)
        XCTAssertEqual(
            actions,
            [
                .answer(
                    ByteBuffer(string: "-BUSY busy\r\n"), instead: ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"),
                    note: "redis_error_downstream: answered -BUSY instead of forwarding PING")
            ])
    }

    func testDropAfterRequestsClosesOnTheNextRequest() {
        var faults = RequestFaults(connection: 1, serverPort: 6379, seed: 1)
        _ = faults.update([Toxic(type: .dropAfterRequests, attributes: ["requests": 2])])
        let ping = ByteBuffer(string: "*1\r\n$4\r\nPING\r\n")
        var three = ping
        three.writeImmutableBuffer(ping)
        three.writeImmutableBuffer(ping)
        let actions = faults.receiveRequestBytes(three, at: t)
        XCTAssertEqual(actions.count, 3)
        XCTAssertEqual(Array(actions.prefix(2)), [.forward(ping), .forward(ping)])
        guard case .close(let note) = actions[2] else { return XCTFail("\(actions)") }
        XCTAssertEqual(
            note, "drop_after_requests_downstream: connection closed after 2 requests instead of forwarding PING")
    }

    func testUnknownProtocolPassesThrough() {
        var faults = RequestFaults(connection: 1, serverPort: 9999, seed: 1)
        _ = faults.update([Toxic(type: .httpStatus)])
        let bytes = ByteBuffer(bytes: [0, 1, 2, 3])
        XCTAssertEqual(faults.receiveRequestBytes(bytes, at: t), [.forward(bytes)])
    }

    func testSameSeedChoosesTheSameRequests() {
        func chosen(seed: UInt64) -> [Bool] {
            var faults = RequestFaults(connection: 3, serverPort: 80, seed: seed)
            _ = faults.update([Toxic(type: .httpStatus, toxicity: 0.3)])
            return (0..<50).map { i in
                let actions = faults.receiveRequestBytes(get("/\(i)"), at: t)
                if case .forward? = actions.first {
                    faults.receiveResponseBytes(
                        ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), at: t)
                    return false
                }
                return true
            }
        }
        XCTAssertEqual(chosen(seed: 5), chosen(seed: 5))
        XCTAssertNotEqual(chosen(seed: 5), chosen(seed: 6))
        XCTAssertTrue((5...25).contains(chosen(seed: 5).filter { $0 }.count))
    }

    func testCommandLineToxics() throws {
        let latency = try Toxic(commandLine: "latency:downstream:latency=100,jitter=10")
        XCTAssertEqual(latency, Toxic(type: .latency, attributes: ["latency": 100, "jitter": 10]))
        let reset = try Toxic(commandLine: "reset_peer:timeout=500")
        XCTAssertEqual(reset.name, "reset_peer_downstream")
        let status = try Toxic(commandLine: "http_status:upstream:status=503,toxicity=0.2,name=s")
        XCTAssertEqual(status.name, "s")
        XCTAssertEqual(status.toxicity, 0.2)
        XCTAssertEqual(status.stream, .upstream)
        XCTAssertThrowsError(try Toxic(commandLine: "latncy")) {
            XCTAssertTrue("\($0)".contains("unknown type 'latncy'"))
        }
        XCTAssertThrowsError(try Toxic(commandLine: "latency:sideways")) {
            XCTAssertTrue("\($0)".contains("upstream or downstream"))
        }
        XCTAssertThrowsError(try Toxic(commandLine: "latency:latency=fast")) {
            XCTAssertTrue("\($0)".contains("must be a number"))
        }
        XCTAssertThrowsError(try Toxic(commandLine: "latency:toxicity=2")) {
            XCTAssertTrue("\($0)".contains("between 0 and 1"))
        }
        XCTAssertThrowsError(try Toxic(commandLine: "latency:speed=2")) {
            XCTAssertTrue("\($0)".contains("no attribute 'speed'"))
        }
    }
}
