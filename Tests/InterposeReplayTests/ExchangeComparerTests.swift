import InterposeReplay
import XCTest

/// The exchange comparer: verdicts, differences by field, noise cancelled by rules and by the
/// baseline, and the texts and latencies a report shows.
final class ExchangeComparerTests: XCTestCase {
    private let ok = ReplayFixtures.http(headers: ["Date: Mon"], body: "hello")

    func testVerdicts() {
        var comparer = ExchangeComparer()
        let answered = ReplayFixtures.exchange(response: ok)
        let unanswered = ReplayFixtures.exchange(response: nil)
        XCTAssertEqual(comparer.compare(recorded: nil, replayed: answered, index: 0).verdict, .extra)
        XCTAssertEqual(comparer.compare(recorded: answered, replayed: nil, index: 0).verdict, .missing)
        XCTAssertEqual(comparer.compare(recorded: answered, replayed: unanswered, index: 0).verdict, .missing)
        XCTAssertEqual(comparer.compare(recorded: unanswered, replayed: answered, index: 0).verdict, .extra)
        XCTAssertEqual(comparer.compare(recorded: unanswered, replayed: unanswered, index: 0).verdict, .same)
        XCTAssertEqual(comparer.compare(recorded: answered, replayed: answered, index: 0).verdict, .same)
    }

    func testDifferencesByPathWithFieldsOnOneSideOnly() {
        var comparer = ExchangeComparer()
        let recorded = ReplayFixtures.exchange(
            response: ReplayFixtures.http(headers: ["Date: Mon", "X-Old: 1"], body: "hello"))
        let replayed = ReplayFixtures.exchange(
            response: ReplayFixtures.http("500 Oops", headers: ["Date: Mon", "X-New: 2"], body: "hello"))
        let result = comparer.compare(recorded: recorded, replayed: replayed, index: 3)
        XCTAssertEqual(result.verdict, .differs)
        XCTAssertEqual(result.index, 3)
        XCTAssertEqual(
            result.differences,
            [
                FieldDifference(field: "status", recorded: "200", replayed: "500"),
                FieldDifference(field: "header:x-old", recorded: "1", replayed: nil),
                FieldDifference(field: "header:x-new", recorded: nil, replayed: "2"),
            ])
    }

    func testRuleNoiseIsCancelledAndCounted() throws {
        var comparer = ExchangeComparer(rules: try NoiseRules(["header:date", "regex:req-[0-9]+"]))
        let recorded = ReplayFixtures.exchange(response: ReplayFixtures.http(headers: ["Date: Mon"], body: "id req-1"))
        let replayed = ReplayFixtures.exchange(response: ReplayFixtures.http(headers: ["Date: Tue"], body: "id req-2"))
        for index in 0..<2 {
            let result = comparer.compare(recorded: recorded, replayed: replayed, index: index)
            XCTAssertEqual(result.verdict, .same, "\(result.differences)")
            XCTAssertEqual(result.noise.sorted(), ["body", "header:date"])
        }
        XCTAssertEqual(
            comparer.noiseCounts,
            [
                NoiseCount(field: "body", count: 2, source: "rule"),
                NoiseCount(field: "header:date", count: 2, source: "rule"),
            ])
    }

    func testNoiseAtEveryDepthOfANestedReplyIsOneRow() throws {
        // A Redis XRANGE-like reply: ids and values at three depths, all noise by rule.
        var comparer = ExchangeComparer(rules: try NoiseRules(["field:reply", "header:date"]))
        func redis(_ id: String, _ value: String) -> RecordedExchange {
            let reply =
                "*2\r\n*2\r\n$\(id.count)\r\n\(id)\r\n*2\r\n$1\r\nv\r\n$\(value.count)\r\n\(value)\r\n:\(id.count)\r\n"
            return ReplayFixtures.exchange(.redis, key: "XRANGE", response: Array(reply.utf8), code: "reply")
        }
        for index in 0..<3 {
            let result = comparer.compare(recorded: redis("1-0", "a"), replayed: redis("2-00", "b"), index: index)
            XCTAssertEqual(result.verdict, .same, "\(result.differences)")
            XCTAssertEqual(result.noise.sorted(), ["reply[0][0]", "reply[0][1][1]", "reply[1]"])
        }
        // Two fields at one depth under a root stay apart.
        let json = { (body: String) in ReplayFixtures.exchange(response: ReplayFixtures.json(body)) }
        var flat = ExchangeComparer(rules: try NoiseRules(["json:$.items"]))
        _ = flat.compare(
            recorded: json(#"{"items":[{"id":1,"ts":1}]}"#), replayed: json(#"{"items":[{"id":2,"ts":2}]}"#), index: 0)
        XCTAssertEqual(
            comparer.noiseCounts, [NoiseCount(field: "reply[*]...", count: 3, source: "rule")],
            "one row, not one per depth")
        XCTAssertEqual(
            flat.noiseCounts.map(\.field), ["json:$.items[*].id", "json:$.items[*].ts"])
    }

    func testBaselineNoiseIsCancelledOnlyForTheLearnedKey() {
        var model = NoiseModel()
        model.learn(
            recorded: ReplayFixtures.exchange(
                key: "GET /users/{id}", response: ReplayFixtures.json(#"{"rows":[{"ts":1}]}"#)),
            baseline: ReplayFixtures.exchange(
                key: "GET /users/{id}", response: ReplayFixtures.json(#"{"rows":[{"ts":2}]}"#)))
        var comparer = ExchangeComparer(noise: model)
        let users = comparer.compare(
            recorded: ReplayFixtures.exchange(
                key: "GET /users/{id}", response: ReplayFixtures.json(#"{"rows":[{"ts":1},{"ts":1}]}"#)),
            replayed: ReplayFixtures.exchange(
                key: "GET /users/{id}", response: ReplayFixtures.json(#"{"rows":[{"ts":3},{"ts":4}]}"#)),
            index: 0)
        XCTAssertEqual(users.verdict, .same)
        XCTAssertEqual(users.noise, ["json:$.rows[0].ts", "json:$.rows[1].ts"])
        let orders = comparer.compare(
            recorded: ReplayFixtures.exchange(
                key: "GET /orders/{id}", response: ReplayFixtures.json(#"{"rows":[{"ts":1}]}"#)),
            replayed: ReplayFixtures.exchange(
                key: "GET /orders/{id}", response: ReplayFixtures.json(#"{"rows":[{"ts":3}]}"#)),
            index: 1)
        XCTAssertEqual(orders.verdict, .differs)
        XCTAssertEqual(orders.differences, [FieldDifference(field: "json:$.rows[0].ts", recorded: "1", replayed: "3")])
        XCTAssertEqual(comparer.noiseCounts, [NoiseCount(field: "json:$.rows[*].ts", count: 1, source: "baseline")])
    }

    func testUndecodableContentFallsBackToStatusAndFingerprint() {
        var comparer = ExchangeComparer()
        let result = comparer.compare(
            recorded: ReplayFixtures.exchange(.tls, response: [1], code: "200", bodyFingerprint: 0xab),
            replayed: ReplayFixtures.exchange(.tls, response: [1], code: "200", bodyFingerprint: 0xcd), index: 0)
        XCTAssertEqual(
            result.differences,
            [FieldDifference(field: "body", recorded: "0x00000000000000ab", replayed: "0x00000000000000cd")])
        let empty = comparer.compare(
            recorded: ReplayFixtures.exchange(response: ok, code: "200", bodyFingerprint: 1),
            replayed: ReplayFixtures.exchange(response: [], code: "404", bodyFingerprint: 1), index: 0)
        XCTAssertEqual(empty.differences, [FieldDifference(field: "status", recorded: "200", replayed: "404")])
    }

    func testDifferentRequestsAreADifference() {
        var comparer = ExchangeComparer()
        let result = comparer.compare(
            recorded: ReplayFixtures.exchange(summary: "GET /users/7 HTTP/1.1", fingerprint: 1, response: ok),
            replayed: ReplayFixtures.exchange(summary: "GET /users/8 HTTP/1.1", fingerprint: 2, response: ok), index: 0)
        XCTAssertEqual(result.verdict, .differs)
        XCTAssertEqual(
            result.differences,
            [FieldDifference(field: "request", recorded: "GET /users/7 HTTP/1.1", replayed: "GET /users/8 HTTP/1.1")])
    }

    func testResultCarriesRequestTextsAndLatencies() {
        var comparer = ExchangeComparer()
        let request = Array("GET /users/7 HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        let result = comparer.compare(
            recorded: ReplayFixtures.exchange(request: request, response: ok, latency: 1_500),
            replayed: ReplayFixtures.exchange(request: request, response: nil), index: 0)
        XCTAssertEqual(result.request, "GET /users/7 HTTP/1.1")
        XCTAssertEqual(result.key, "GET /users/{id}")
        XCTAssertEqual(result.requestText, "GET /users/7 HTTP/1.1\nHost: h")
        XCTAssertEqual(result.recordedSummary, "200 OK")
        XCTAssertNil(result.replayedSummary)
        XCTAssertEqual(result.recordedText, "HTTP/1.1 200 OK\nDate: Mon\nContent-Length: 5\n\nhello")
        XCTAssertEqual(result.replayedText, "")
        XCTAssertEqual(result.recordedLatency, 1_500)
        XCTAssertNil(result.replayedLatency)
    }
}
