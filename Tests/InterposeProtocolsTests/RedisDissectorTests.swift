import InterposeCapture
import InterposeCore
import InterposeProtocols
import XCTest

final class RedisDissectorTests: XCTestCase {
    private func command(_ words: String...) -> String {
        "*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    func testPipelinedCommandsPairWithRepliesWhateverTheReadSizes() {
        for chunk in [1, 2, 5, 100, Int.max] {
            var h = DissectorHarness(RedisDissector())
            h.send(
                .clientToServer, command("SET", "k", "v") + command("GET", "k") + command("INCR", "n") + "PING\r\n",
                chunk: chunk)
            h.send(.serverToClient, "+OK\r\n$1\r\nv\r\n:1\r\n+PONG\r\n", chunk: chunk)
            h.end()
            XCTAssertEqual(h.requests.map(\.name), ["SET", "GET", "INCR", "PING"], "chunk \(chunk)")
            XCTAssertEqual(h.responses.map(\.answers), h.requests.map(\.index))
            XCTAssertEqual(h.responses.map(\.summary), ["+OK", "$7 bytes", ":1", "+PONG"])
            XCTAssertEqual(h.output.findings, [])
        }
    }

    func testReplyFingerprintTellsValuesApartAndIsTheSameForTheSameValue() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("GET", "a") + command("GET", "b") + command("GET", "c") + command("GET", "d"))
        h.send(.serverToClient, "$5\r\nhello\r\n$5\r\nworld\r\n$5\r\nhello\r\n$-1\r\n", chunk: 3)
        h.end()
        let fingerprints = h.responses.map(\.bodyFingerprint)
        XCTAssertEqual(fingerprints.count, 4)
        XCTAssertFalse(fingerprints.contains(0))
        XCTAssertNotEqual(fingerprints[0], fingerprints[1])
        XCTAssertEqual(fingerprints[0], fingerprints[2])
        XCTAssertNotEqual(fingerprints[0], fingerprints[3])
    }

    func testErrorsAreClassifiedByTheirCode() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("GET", "k") + command("LPUSH", "k", "x") + command("AUTH", "nope"))
        h.send(
            .serverToClient,
            "$-1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGPASS invalid username-password pair\r\n"
        )
        h.end()
        XCTAssertEqual(h.responses.map { $0.status?.code }, ["OK", "WRONGTYPE", "WRONGPASS"])
        XCTAssertEqual(h.responses.map { $0.status?.outcome }, [.success, .clientError, .authenticationFailure])
        XCTAssertEqual(h.responses[0].summary, "nil")
    }

    func testLargeValuesAreSkippedNotBuffered() {
        var h = DissectorHarness(RedisDissector())
        let big = String(repeating: "x", count: 3_000_000)
        h.send(.clientToServer, command("SET", "big", big), chunk: 65536)
        h.send(.serverToClient, "+OK\r\n")
        h.send(.clientToServer, command("GET", "big"))
        h.send(.serverToClient, "$3000000\r\n" + big + "\r\n", chunk: 65536)
        h.end()
        XCTAssertEqual(h.requests.map(\.summary), ["SET big (2 args)", "GET big"])
        XCTAssertEqual(h.requests[0].bytes, 3_000_000 + 34)
        XCTAssertEqual(h.responses.count, 2)
    }

    func testSubscribeConfirmationsAnswerTheCommandAndMessagesAreEvents() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("SUBSCRIBE", "a", "b"))
        h.send(.serverToClient, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n")
        h.send(.serverToClient, "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n")
        h.send(.clientToServer, command("UNSUBSCRIBE"))
        h.send(
            .serverToClient,
            "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n")
        h.send(.clientToServer, command("PING"))
        h.send(.serverToClient, "+PONG\r\n")
        h.end()
        XCTAssertEqual(h.events.map(\.name), ["message"])
        XCTAssertEqual(h.responses.count, 5)
        XCTAssertEqual(h.responses.last?.answers, h.requests.last?.index)
        XCTAssertEqual(h.output.findings, [])
    }

    func testHelloThreeSwitchesToRESP3AndPushesAreEvents() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("HELLO", "3"))
        h.send(.serverToClient, "%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n")
        h.send(.clientToServer, command("GET", "k"))
        h.send(.serverToClient, ">2\r\n+invalidate\r\n*1\r\n+k\r\n|1\r\n+ttl\r\n:3\r\n_\r\n")
        h.end()
        XCTAssertEqual(h.requests.map(\.version), ["RESP2", "RESP3"])
        XCTAssertEqual(h.events.map(\.name), ["invalidate"])
        XCTAssertEqual(h.responses.map(\.summary), ["%2 [server, ...]", "nil"])
        XCTAssertEqual(h.output.findings, [])
    }

    func testHelloSwitchesOnlyToAVersionTheServerAccepts() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("HELLO", "4"))
        h.send(.serverToClient, "-NOPROTO unsupported protocol version\r\n")
        h.send(.clientToServer, command("HELLO", "3"))
        h.send(.serverToClient, "%1\r\n+proto\r\n:3\r\n")
        h.send(.clientToServer, command("HELLO", "2"))
        h.send(.serverToClient, "*2\r\n$5\r\nproto\r\n:2\r\n")
        h.send(.clientToServer, command("PING"))
        h.send(.serverToClient, "+PONG\r\n")
        h.end()
        XCTAssertEqual(h.requests.map(\.version), ["RESP2", "RESP2", "RESP3", "RESP2"])
    }

    func testMultiExecAnswersEveryCommand() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("MULTI") + command("INCR", "a") + command("GET", "a") + command("EXEC"))
        h.send(.serverToClient, "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n$1\r\n1\r\n")
        h.end()
        XCTAssertEqual(h.responses.count, 4)
        XCTAssertEqual(h.output.findings, [])
    }

    func testRepliesOutOfOrderOnAPipelineAreReported() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("INCR", "n") + command("GET", "k"))
        h.send(.serverToClient, "$1\r\nv\r\n:1\r\n")
        h.end()
        XCTAssertEqual(h.codes.first, "redis.reply-out-of-order")
    }

    func testMalformedReplyIsOneFindingAndStopsDissection() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("GET", "k"))
        h.send(.serverToClient, "?what\r\n+OK\r\n")
        h.end()
        XCTAssertEqual(h.codes, ["redis.malformed"])
    }

    func testHugeBulkLengthIsMalformedNotAnAllocation() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, "*1\r\n$99999999999\r\n")
        XCTAssertEqual(h.codes, ["redis.malformed"])
    }

    func testConnectionEndingInsideAReplyIsReported() {
        var h = DissectorHarness(RedisDissector())
        h.send(.clientToServer, command("GET", "k"))
        h.send(.serverToClient, "$10\r\nabc")
        h.end(reset: true)
        XCTAssertEqual(h.codes, ["redis.incomplete-reply"])
    }
}
