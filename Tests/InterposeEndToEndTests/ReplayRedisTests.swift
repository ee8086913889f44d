import Foundation
import InterposeTestSupport
import XCTest

/// `interpose replay` of Redis traffic: redis-cli commands and a pipelined burst recorded through
/// `interpose proxy` in front of a real redis-server, replayed against a fresh redis-server (no
/// regression) and against one whose build renamed `INCR` (exactly the INCR replies regress).
final class ReplayRedisTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-replay-redis-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// A command as RESP, the way clients send it.
    private func resp(_ words: String...) -> String {
        "*\(words.count)\r\n" + words.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    /// redis-cli commands, one connection each, and what they print. `GET`s read keys that no
    /// `INCR` touches, so a broken `INCR` changes the INCR replies and nothing else.
    private let commands: [(arguments: [String], output: String)] = [
        (["SET", "greeting", "hello"], "OK"),
        (["INCR", "visits"], "1"),
        (["INCR", "visits"], "2"),
        (["GET", "greeting"], "hello"),
        (["HSET", "user:1", "name", "ann", "plan", "free"], "2"),
        (["HGETALL", "user:1"], "name\nann\nplan\nfree"),
    ]

    /// Records the workload through the proxy in front of `redis`: the redis-cli commands, then
    /// five commands pipelined in one write on one connection.
    private func record(_ redis: RedisServer, to capture: String) throws {
        let proxy = try InterposeProcess(upstream: "127.0.0.1:\(redis.port)", extra: ["--capture", capture])
        for (arguments, output) in commands {
            let cli = try ProcessRunner.run("redis-cli", ["-p", "\(proxy.port)"] + arguments, timeout: 20)
            XCTAssertEqual(cli.status, 0, cli.stderrText)
            XCTAssertEqual(cli.stdoutText.trimmingCharacters(in: .newlines), output, "redis-cli \(arguments)")
        }
        let burst = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        burst.setTimeout(10)
        try burst.send(
            resp("PING") + resp("SET", "b", "1") + resp("INCR", "burst") + resp("GET", "b") + resp("INCR", "burst"))
        let replies = "+PONG\r\n+OK\r\n:1\r\n$1\r\n1\r\n:2\r\n"
        XCTAssertEqual(String(decoding: try burst.receive(exactly: replies.utf8.count), as: UTF8.self), replies)
        burst.close()
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
    }

    func testRedisReplayAgainstFreshServerIsSameAndAgainstRenamedINCROnlyINCRDiffers() throws {
        let recorded = try RedisServer()
        let fresh = try RedisServer()
        let renamed = try RedisServer(arguments: ["--rename-command", "INCR", "INCR_V2"])
        defer {
            recorded.stop()
            fresh.stop()
            renamed.stop()
        }
        let capture = work + "/redis.pcapng"
        try record(recorded, to: capture)

        let same = try runReplay([capture, "--target", "127.0.0.1:\(fresh.port)", "--speed", "max", "--json"])
        assertReplayStatus(same, 0)
        let sameReport = try ReplayReportDocument(data: same.stdout)
        XCTAssertEqual(
            sameReport.counts,
            ["conversations": 7, "messages_compared": 11, "same": 11, "differs": 0, "missing": 0, "extra": 0])
        XCTAssertEqual(sameReport.differences, [])
        XCTAssertEqual(sameReport.verdict, "NO REGRESSION: all 11 messages the same (0 noise fields cancelled)")
        let applications = (sameReport.object["conversation_results"] as? [[String: Any]] ?? []).map {
            $0["application"] as? String ?? ""
        }
        XCTAssertEqual(Set(applications), ["redis"], "every conversation is dissected as Redis, the burst too")

        let changed = try runReplay([capture, "--target", "127.0.0.1:\(renamed.port)", "--speed", "max", "--json"])
        assertReplayStatus(changed, 1)
        let report = try ReplayReportDocument(data: changed.stdout)
        XCTAssertEqual(
            report.counts,
            ["conversations": 7, "messages_compared": 11, "same": 7, "differs": 4, "missing": 0, "extra": 0])
        let differences = report.differences
        XCTAssertEqual(
            differences.map(\.request),
            [
                "INCR visits", "INCR visits", "INCR visits", "INCR visits", "INCR burst",
                "INCR burst", "INCR burst", "INCR burst",
            ], "only the INCR messages differ: \(differences)")
        let errors = differences.filter { $0.field == "error" }
        XCTAssertEqual(errors.count, 4, "\(differences)")
        for error in errors {
            XCTAssertNil(error.recorded, "\(error)")
            XCTAssertTrue(error.replayed?.hasPrefix("ERR unknown command 'INCR'") ?? false, "\(error)")
        }
        let replies = differences.filter { $0.field == "reply" }
        XCTAssertEqual(
            replies.map(\.recorded), ["(integer) 1", "(integer) 2", "(integer) 1", "(integer) 2"], "\(differences)")
        XCTAssertTrue(replies.allSatisfy { $0.replayed == nil }, "\(replies)")
        XCTAssertEqual(report.verdict, "REGRESSION: 4 differ, 0 missing, 0 extra in 11 messages")
    }
}
