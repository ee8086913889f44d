import InterposeCore
import InterposeReader
import InterposeReplay
import NIOCore
import XCTest

/// What the learner takes from a recording, from frames alone (no sockets): values handed out and
/// sent back later in the same or another conversation; not values the client sent first, short
/// ones, or ones sent before they were handed out; rules for the rest.
final class CorrelationLearnerTests: XCTestCase {
    private var planner = ReplayPlanner()

    private func endpoint(_ port: UInt16) -> Endpoint { Endpoint(address: IPAddress(v4: 0x7F00_0001), port: port) }

    private func descriptor(_ id: UInt64, port: UInt16) -> ConnectionDescriptor {
        ConnectionDescriptor(id: ConnectionID(id), client: endpoint(UInt16(40_000 + id)), server: endpoint(port))
    }

    private func at(_ ms: Double) -> Timestamp { Timestamp(nanosecondsSinceEpoch: 1_000_000_000 + Int64(ms * 1e6)) }

    /// A conversation of alternating client and server texts, 1 ms apart from `start`.
    private func conversation(_ id: UInt64, port: UInt16 = 6379, start: Double, _ turns: [String]) {
        planner.connectionOpened(descriptor(id, port: port), at: at(start))
        for (index, text) in turns.enumerated() {
            planner.consume(
                Frame(
                    connection: ConnectionID(id), direction: index % 2 == 0 ? .clientToServer : .serverToClient,
                    timestamp: at(start + Double(index + 1)), event: .data(ByteBuffer(string: text))))
        }
        let end = start + Double(turns.count + 1)
        planner.consume(
            Frame(connection: ConnectionID(id), direction: .clientToServer, timestamp: at(end), event: .finish))
        planner.connectionClosed(
            ConnectionSummary(
                descriptor: descriptor(id, port: port), state: .complete, start: at(start), end: at(end),
                firstPacket: 1, toServer: StreamStatistics(), toClient: StreamStatistics(), packetsToServer: 1,
                packetsToClient: 1, rolesGuessed: false, sawSyn: true, sawSynAck: true, resetBy: nil))
    }

    private func resp(_ words: String...) -> String {
        "*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    /// `4711` is learned; `7` is too short, `v2-hello` the client wrote first, `pro` a word.
    func testAnINCRReplyNamingKeysIsLearnedWithinAndAcrossConversationsButNotClientChosenShortOrWordValues() {
        conversation(
            1, start: 0,
            [
                resp("INCR", "next"), ":4711\r\n", resp("SET", "item:4711", "v2-hello"), "+OK\r\n",
                resp("INCR", "small"), ":7\r\n", resp("GET", "item:7"), "$-1\r\n", resp("GET", "greeting"),
                "$8\r\nv2-hello\r\n", resp("SET", "copy", "v2-hello"), "+OK\r\n", resp("GET", "plan"),
                "$3\r\npro\r\n", resp("SET", "plan-copy", "pro"), "+OK\r\n",
            ])
        conversation(2, start: 20, [resp("GET", "item:4711"), "$5\r\nhello\r\n"])
        var plan = planner.plan()
        plan.correlate()
        XCTAssertEqual(plan.correlations.count, 1, "\(plan.correlations)")
        let learned = plan.correlations[0]
        XCTAssertEqual(learned.locator, "reply")
        XCTAssertEqual(learned.requestKey, plan.conversations[0].recorded.exchanges[0].key)
        XCTAssertEqual(String(decoding: learned.recorded, as: UTF8.self), "4711")
        XCTAssertEqual(learned.uses.map(\.conversation), [0, 1])
        XCTAssertEqual(learned.uses.map(\.places), [["arg[1]"], ["arg[1]"]])
        XCTAssertEqual(plan.conversations[0].handsOut, [0: [0]])
        XCTAssertEqual(plan.conversations[0].steps.map(\.correlations), [[], [0], [], [], [], [], [], []])
        XCTAssertEqual(plan.conversations[1].steps.map(\.correlations), [[0]])
    }

    func testAValueSentBeforeItWasHandedOutIsTheClientsAndARuleTakesAShortOne() {
        conversation(
            1, port: 8080, start: 0,
            [
                "POST /login HTTP/1.1\r\nContent-Length: 14\r\n\r\nuser=ann-lee-7",
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 46\r\n\r\n"
                    + #"{"token":"t0k3n-abc","user":"ann-lee-7","n":9}"#,
                "GET /me?n=9 HTTP/1.1\r\nAuthorization: Bearer t0k3n-abc\r\nX-User: ann-lee-7\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            ])
        var plan = planner.plan()
        plan.correlate(rules: [
            try! CorrelationRule(parsing: "json:$.n => query"), try! CorrelationRule(parsing: "json:$.x => path"),
        ])
        XCTAssertEqual(plan.correlations.map(\.locator), ["json:$.n", "json:$.token"])
        XCTAssertEqual(plan.correlations.map { $0.uses.flatMap(\.places) }, [["query"], ["header:authorization"]])
        XCTAssertEqual(plan.correlations.map(\.rule), ["json:$.n => query", nil])
        XCTAssertEqual(plan.unmatchedCorrelationRules, ["json:$.x => path"])
    }

    func testRuleParsingNamesWhatIsWrong() {
        XCTAssertThrowsError(try CorrelationRule(parsing: "json:$.token")) { error in
            XCTAssertEqual(
                "\(error)",
                "--correlate 'json:$.token': expected RESPONSE-FIELD => REQUEST-PLACE, e.g. json:$.token => header:authorization or reply => arg[1]"
            )
        }
        XCTAssertThrowsError(try CorrelationRule(parsing: "json:token => path")) { error in
            XCTAssertEqual(
                "\(error)",
                "--correlate 'json:token => path': a JSON path starts at the root $, e.g. json:$.token => header:authorization"
            )
        }
        XCTAssertEqual(try CorrelationRule(parsing: " header:ETag => header:If-None-Match ").to, "header:if-none-match")
    }
}
