import InterposeCore
import InterposeProtocols
import InterposeReplay
import XCTest

/// A baseline that does not reproduce the recording: a status or error class the baseline answers
/// differently is never noise, the message is `unreproducible` whatever the target answered, and
/// too many of them fail the replay (`--max-unreproducible`).
final class ReplayFidelityTests: XCTestCase {
    private func conversation(_ id: UInt64, _ exchanges: [RecordedExchange]) -> RecordedConversation {
        let endpoint = { (port: UInt16) in Endpoint(address: IPAddress(v4: 0x7F00_0001), port: port) }
        return RecordedConversation(
            descriptor: ConnectionDescriptor(id: ConnectionID(id), client: endpoint(40_000), server: endpoint(8080)),
            start: Timestamp(nanosecondsSinceEpoch: 0), exchanges: exchanges)
    }

    private func http(_ status: String, _ body: String, fingerprint: UInt64 = 7) -> RecordedExchange {
        ReplayFixtures.exchange(
            fingerprint: fingerprint,
            response: ReplayFixtures.http(status, headers: ["Content-Type: application/json"], body: body),
            code: String(status.prefix(3)))
    }

    private func redis(_ reply: String, key: String = "GET") -> RecordedExchange {
        ReplayFixtures.exchange(.redis, key: key, summary: "GET k", response: Array(reply.utf8), code: "reply")
    }

    private func pair(_ recorded: [RecordedExchange], _ replayed: [RecordedExchange]) -> ReplayComparison.Pair {
        ReplayComparison.Pair(
            recorded: conversation(1, recorded), replayed: conversation(2, replayed), application: "http1")
    }

    /// Each protocol's decoder marks its status field with the class it carries.
    func testEachProtocolMarksItsStatusField() {
        let httpFields = ContentDecoder.fields(
            ofResponse: ReplayFixtures.http("503 Busy", body: "x"), application: .http1)
        XCTAssertEqual(httpFields?.filter(\.isStatus).map { "\($0.path)=\($0.statusClass!)" }, ["status=503"])
        let redisFields = ContentDecoder.fields(
            ofResponse: Array("-NOAUTH Authentication required.\r\n".utf8), application: .redis)
        XCTAssertEqual(redisFields?.filter(\.isStatus).map { "\($0.path)=\($0.statusClass!)" }, ["error=NOAUTH"])
        let exec = ContentDecoder.fields(
            ofResponse: Array("*2\r\n+OK\r\n-WRONGTYPE Operation against a key\r\n".utf8), application: .redis)
        XCTAssertEqual(exec?.filter(\.isStatus).map { "\($0.path)=\($0.statusClass!)" }, ["reply[1]=WRONGTYPE"])
        XCTAssertEqual(
            ContentDecoder.fields(ofResponse: Array("+OK\r\n".utf8), application: .redis)?.filter(\.isStatus), [])
        var postgres = PostgresBytes()
        postgres.message(
            "E",
            PostgresBytes.cString("SFATAL") + PostgresBytes.cString("C28P01")
                + PostgresBytes.cString("Mpassword authentication failed") + [0])
        let postgresFields = ContentDecoder.fields(ofResponse: postgres.bytes, application: .postgres)
        XCTAssertEqual(
            postgresFields?.filter(\.isStatus).map { "\($0.path)=\($0.statusClass!)" }, ["error.code=28P01"])
        // CONNACK refused (return code 5, not authorised) and a SUBACK's failure (128).
        let connack = ContentDecoder.fields(ofResponse: [0x20, 0x02, 0x00, 0x05], application: .mqtt)
        XCTAssertEqual(connack?.filter(\.isStatus).map { "\($0.path)=\($0.statusClass!)" }, ["return_code=5"])
        let suback = ContentDecoder.fields(ofResponse: [0x90, 0x04, 0x00, 0x01, 0x00, 0x80], application: .mqtt)
        XCTAssertEqual(suback?.filter(\.isStatus).map { "\($0.path)=\($0.statusClass!)" }, ["return_code=0,128"])
    }

    func testAStatusIsNeverLearnedAndAnAnswerWithAnotherStatusTeachesNothing() {
        var model = NoiseModel()
        let change = model.learn(
            recorded: http("200 OK", #"{"id":7,"ts":1}"#),
            baseline: http("503 Service Unavailable", #"{"error":"down"}"#))
        XCTAssertEqual(change, "status 200 -> 503")
        XCTAssertTrue(model.isEmpty, "nothing of a 503 page is noise: \(model.learnedFields)")
        let redisChange = model.learn(
            recorded: redis("+OK\r\n"), baseline: redis("-NOAUTH Authentication required.\r\n"))
        XCTAssertEqual(redisChange, "error (none) -> NOAUTH")
        XCTAssertTrue(model.isEmpty)
        // The same class with another text: the text may be noise, the class is not in question.
        XCTAssertNil(model.learn(recorded: redis("-ERR one\r\n"), baseline: redis("-ERR two\r\n")))
        XCTAssertEqual(model.learnedFields.map(\.field), ["error"])
    }

    func testUndecodedResponsesCompareTheirStatusCodeAsTheStatus() {
        // HTTP/2 and gRPC are compared by status code and body fingerprint: the code is the status.
        var model = NoiseModel()
        let change = model.learn(
            recorded: ReplayFixtures.exchange(.http2, response: [1], code: "grpc-0", bodyFingerprint: 1),
            baseline: ReplayFixtures.exchange(.http2, response: [2], code: "grpc-14", bodyFingerprint: 2))
        XCTAssertEqual(change, "status grpc-0 -> grpc-14")
        XCTAssertTrue(model.isEmpty, "not even the body fingerprint is learned from a UNAVAILABLE answer")
    }

    func testALearnedFieldAboveAStatusDoesNotCancelAChangedStatus() {
        var noise = NoiseModel()
        // `reply#2` varies in the baseline (learned), which would cover `reply#2.error`.
        noise.learn(recorded: redis("+OK\r\n:1\r\n"), baseline: redis("+OK\r\n:2\r\n"))
        XCTAssertTrue(noise.isNoise(key: "GET", field: "reply#2.error"))
        var comparer = ExchangeComparer(noise: noise)
        let result = comparer.compare(
            recorded: redis("+OK\r\n:1\r\n"), replayed: redis("+OK\r\n-ERR broken\r\n"), index: 0)
        XCTAssertEqual(result.verdict, .differs)
        XCTAssertEqual(result.differences.map(\.field), ["reply#2.error"])
    }

    func testABaselineWithAnotherStatusMakesTheMessageUnreproducibleWhateverTheTargetAnswered() {
        let recorded = [http("200 OK", #"{"id":1}"#), http("200 OK", #"{"id":2}"#, fingerprint: 8)]
        let baseline = [http("200 OK", #"{"id":1}"#), http("500 Internal Server Error", #"{"e":1}"#, fingerprint: 8)]
        for target in [
            [http("200 OK", #"{"id":1}"#), http("200 OK", #"{"id":2}"#, fingerprint: 8)],
            [http("200 OK", #"{"id":1}"#), http("404 Not Found", #"{}"#, fingerprint: 8)],
        ] {
            var comparison = ReplayComparison(baselines: [[pair(recorded, baseline)]])
            let report = comparison.report([pair(recorded, target)], recorded: "a", target: "t", baseline: "b")
            let messages = report.conversations[0].messages
            XCTAssertEqual(messages.map(\.verdict), [.same, .unreproducible])
            XCTAssertEqual(messages[1].differences, [], "not the target's differences")
            XCTAssertEqual(messages[1].unreproducible, "the baseline answered 500 OK (status 200 -> 500)")
            XCTAssertEqual(report.unreproducibleMessages.map(\.message.request), ["GET /users/7 HTTP/1.1"])
            XCTAssertFalse(report.hasRegressions)
            XCTAssertTrue(report.exceedsUnreproducibleLimit, "any at all under 100 messages")
            XCTAssertTrue(report.failed)
            XCTAssertEqual(
                report.verdictLine,
                "NOT REPRODUCED: 1 of 2 messages unreproducible (the baseline does not reproduce the recording), "
                    + "more than the 0 --max-unreproducible allows; no regression in the other 1 (0 noise fields cancelled)"
            )
        }
    }

    func testWithoutBaselineAChangedStatusIsARegression() {
        let recorded = [http("200 OK", #"{"id":1}"#)]
        var comparison = ReplayComparison()
        let report = comparison.report(
            [pair(recorded, [http("500 Internal Server Error", #"{"id":1}"#)])], recorded: "a", target: "t")
        XCTAssertEqual(report.conversations[0].messages.map(\.verdict), [.differs])
        XCTAssertEqual(report.conversations[0].messages[0].differences.map(\.field), ["status"])
        XCTAssertTrue(report.hasRegressions)
    }

    func testOneRunOfSeveralWithAnotherStatusIsEnough() {
        let recorded = [http("200 OK", #"{"id":1}"#)]
        var comparison = ReplayComparison(baselines: [
            [pair(recorded, [http("200 OK", #"{"id":1}"#)])], [pair(recorded, [http("503 Busy", #"{"id":1}"#)])],
        ])
        let report = comparison.report([pair(recorded, recorded)], recorded: "a", target: "t", baseline: "b")
        XCTAssertEqual(report.conversations[0].messages.map(\.verdict), [.unreproducible])
    }

    func testTheLimitFollowsTheTargetOnlyWhenNotExceeded() {
        let recorded = [http("200 OK", #"{"id":1}"#), http("200 OK", #"{"id":2}"#, fingerprint: 8)]
        let baseline = [http("200 OK", #"{"id":1}"#), http("503 Busy", #"{"id":2}"#, fingerprint: 8)]
        let target = [http("200 OK", #"{"id":9}"#), http("200 OK", #"{"id":2}"#, fingerprint: 8)]
        var comparison = ReplayComparison(baselines: [[pair(recorded, baseline)]])
        var report = comparison.report([pair(recorded, target)], recorded: "a", target: "t", baseline: "b")
        report.unreproducibleLimit = UnreproducibleLimit("100%")!
        XCTAssertFalse(report.exceedsUnreproducibleLimit)
        XCTAssertTrue(report.failed, "the target's own difference still fails")
        XCTAssertEqual(
            report.verdictLine,
            "REGRESSION: 1 differ, 0 missing, 0 extra in 2 messages, 1 unreproducible (the baseline does not reproduce them)"
        )
        report.unreproducibleLimit = .count(0)
        XCTAssertEqual(
            report.verdictLine,
            "REGRESSION: 1 differ, 0 missing, 0 extra in 2 messages, 1 unreproducible "
                + "(more than the 0 --max-unreproducible allows)")
    }

    func testLimitParsingAndArithmetic() {
        XCTAssertEqual(UnreproducibleLimit("5"), .count(5))
        XCTAssertEqual(UnreproducibleLimit("0"), .count(0))
        XCTAssertEqual(UnreproducibleLimit("1%"), .percent(1))
        XCTAssertEqual(UnreproducibleLimit("0.5%"), .percent(0.5))
        XCTAssertEqual(UnreproducibleLimit("100%"), .percent(100))
        for bad in ["", "-1", "1.5", "%", "101%", "-1%", "abc", "5 %", "nan%", "inf%", "99999999999999999999999"] {
            XCTAssertNil(UnreproducibleLimit(bad), bad)
            XCTAssertThrowsError(try UnreproducibleLimit(parsing: bad)) { error in
                XCTAssertEqual(
                    "\(error)",
                    "must be a whole number from 0 to 1000000000000 (messages) or a percentage from 0% to 100%")
            }
        }
        let automatic = UnreproducibleLimit.automatic
        XCTAssertTrue(automatic.isExceeded(unreproducible: 1, compared: 99))
        XCTAssertFalse(automatic.isExceeded(unreproducible: 0, compared: 99))
        XCTAssertFalse(automatic.isExceeded(unreproducible: 1, compared: 100), "1 % of 100 is allowed")
        XCTAssertTrue(automatic.isExceeded(unreproducible: 2, compared: 100))
        XCTAssertFalse(automatic.isExceeded(unreproducible: 10, compared: 1_000))
        XCTAssertTrue(automatic.isExceeded(unreproducible: 11, compared: 1_000))
        XCTAssertEqual(automatic.allowed(compared: 99), "0")
        XCTAssertEqual(automatic.allowed(compared: 100), "1 %")
        XCTAssertTrue(UnreproducibleLimit.count(3).isExceeded(unreproducible: 4, compared: 10))
        XCTAssertFalse(UnreproducibleLimit.count(3).isExceeded(unreproducible: 3, compared: 10))
        XCTAssertFalse(UnreproducibleLimit.percent(100).isExceeded(unreproducible: 10, compared: 10))
        XCTAssertTrue(UnreproducibleLimit.percent(0).isExceeded(unreproducible: 1, compared: 1_000))
    }

    func testReportsListTheUnreproducibleMessagesWithTheirRequest() throws {
        let recorded = [redis("+OK\r\n")]
        var comparison = ReplayComparison(baselines: [
            [pair(recorded, [redis("-NOAUTH Authentication required.\r\n")])]
        ])
        let report = comparison.report([pair(recorded, recorded)], recorded: "a", target: "t", baseline: "b")
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(report.renderJSON().utf8)) as? [String: Any])
        XCTAssertEqual(json["failed"] as? Bool, true)
        XCTAssertEqual(json["regression"] as? Bool, false)
        let unreproducible = try XCTUnwrap(json["unreproducible"] as? [String: Any])
        XCTAssertEqual(unreproducible["count"] as? Int, 1)
        XCTAssertEqual(unreproducible["exceeded"] as? Bool, true)
        XCTAssertEqual(unreproducible["allowed"] as? String, "0")
        XCTAssertEqual(unreproducible["max_unreproducible"] as? String, "automatic")
        let messages = try XCTUnwrap(unreproducible["messages"] as? [[String: Any]])
        XCTAssertEqual(messages.map { $0["request"] as? String }, ["GET k"])
        XCTAssertEqual(messages.first?["reason"] as? String, "the baseline answered reply OK (error (none) -> NOAUTH)")
        let text = report.renderText()
        XCTAssertTrue(
            text.contains("\nUnreproducible (the baseline does not reproduce the recording; allowed: 0"), text)
        XCTAssertTrue(text.contains("GET k"), text)
        XCTAssertTrue(text.hasSuffix("no regression in the other 0 (0 noise fields cancelled)\n"), text)
        let junit = report.renderJUnit()
        XCTAssertTrue(junit.contains(#"<failure type="unreproducible" message="1 of 1 messages unreproducible"#), junit)
        XCTAssertTrue(report.renderHTML().contains("id=\"unreproducible\""))
    }
}
