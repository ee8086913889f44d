import Foundation
import InterposeCapture
import InterposeCore
import InterposeReplay
import InterposeTestSupport
import NIOCore
import NIOPosix
import XCTest

/// `ReplayEngine` against real redis-servers: traffic recorded with tcpdump from real clients,
/// replayed over real connections, read back as exchanges.
final class ReplayEngineTests: XCTestCase {
    private var work = ""
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-replay-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
        try? group.syncShutdownGracefully()
    }

    /// Three conversations, one after the other: SET, then a pipelined burst, then GET of what the
    /// first one set. The plan keeps them sequential and the burst pipelined.
    private func recordRedisSession() throws -> String {
        let server = try RedisServer()
        defer { server.stop() }
        let capture = try LoopbackCapture(path: work + "/redis.pcap", ports: [server.port])
        let set = try ProcessRunner.run("redis-cli", ["-p", "\(server.port)", "SET", "greeting", "hello"], timeout: 10)
        XCTAssertEqual(set.stdoutText, "OK\n")
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: server.port)
        try socket.send(
            [["PING"], ["INCR", "visits"], ["INCR", "visits"], ["APPEND", "greeting", "!"]].map(Self.command).joined())
        var answer: [UInt8] = []
        while answer.count < "+PONG\r\n:1\r\n:2\r\n:6\r\n".utf8.count { answer += try socket.receive() }
        XCTAssertEqual(String(decoding: answer, as: UTF8.self), "+PONG\r\n:1\r\n:2\r\n:6\r\n")
        socket.shutdownWrite()
        _ = try socket.receiveUntilEOF()
        socket.close()
        let get = try ProcessRunner.run("redis-cli", ["-p", "\(server.port)", "GET", "greeting"], timeout: 10)
        XCTAssertEqual(get.stdoutText, "hello!\n")
        capture.stop()
        return capture.path
    }

    /// A command as redis-cli sends it: a RESP array of bulk strings.
    static func command(_ parts: [String]) -> String {
        "*\(parts.count)\r\n" + parts.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
    }

    func testARedisSessionReplaysWithTheSameRepliesAgainstAFreshServer() throws {
        let path = try recordRedisSession()
        let plan = try ReplayPlan.read(path)
        XCTAssertEqual(plan.conversations.count, 3)
        XCTAssertEqual(plan.conversations.map(\.application), [.redis, .redis, .redis])
        // Each conversation began after the one before it ended.
        XCTAssertEqual(plan.mustFollow, [0, 1, 2])
        // The burst was sent before any reply: one write that waits for nothing.
        let burst = plan.conversations[1]
        XCTAssertEqual(burst.steps.count, 1, "\(burst.steps.map(\.awaitResponses))")
        XCTAssertEqual(burst.steps.first?.awaitResponses, 0)
        XCTAssertEqual(burst.responses, 4)

        let target = try RedisServer()
        defer { target.stop() }
        var settings = ReplayEngine.Settings(
            target: try SocketAddress(ipAddress: "127.0.0.1", port: Int(target.port)), name: "target")
        settings.speed = .max
        let run = try ReplayEngine.run(plan, settings: settings, on: group.next()).wait()
        XCTAssertEqual(run.conversations.count, 3)
        for (planned, replayed) in zip(plan.conversations, run.conversations) {
            XCTAssertNil(replayed.error)
            let exchanges = try XCTUnwrap(replayed.replayed).exchanges
            XCTAssertEqual(exchanges.map(\.summary), planned.recorded.exchanges.map(\.summary))
            XCTAssertEqual(
                exchanges.map { $0.response?.content ?? [] },
                planned.recorded.exchanges.map { $0.response?.content ?? [] })
        }
        let last = try XCTUnwrap(run.conversations[2].replayed?.exchanges.last?.response)
        XCTAssertEqual(String(decoding: last.content, as: UTF8.self), "$6\r\nhello!\r\n")
    }

    func testARenamedCommandGetsAnErrorReplyInsteadOfItsAnswer() throws {
        let path = try recordRedisSession()
        let plan = try ReplayPlan.read(path)
        let target = try RedisServer(arguments: ["--rename-command", "INCR", "INCR_V2"])
        defer { target.stop() }
        var settings = ReplayEngine.Settings(
            target: try SocketAddress(ipAddress: "127.0.0.1", port: Int(target.port)), name: "target")
        settings.speed = .max
        let run = try ReplayEngine.run(plan, settings: settings, on: group.next()).wait()
        let replies = try XCTUnwrap(run.conversations[1].replayed).exchanges.map {
            String(decoding: $0.response?.content ?? [], as: UTF8.self)
        }
        XCTAssertEqual(replies.count, 4)
        XCTAssertEqual(replies[0], "+PONG\r\n")
        XCTAssertTrue(replies[1].hasPrefix("-ERR unknown command 'INCR'"), replies[1])
        XCTAssertEqual(replies[3], ":6\r\n")
    }

    func testATargetThatIsDownFailsTheRunWithOneLine() throws {
        let path = try recordRedisSession()
        let plan = try ReplayPlan.read(path)
        let closed = try BlockingSocket.listen()
        let port = closed.localPort
        closed.close()
        let settings = ReplayEngine.Settings(
            target: try SocketAddress(ipAddress: "127.0.0.1", port: Int(port)), name: "127.0.0.1:\(port)")
        XCTAssertThrowsError(try ReplayEngine.run(plan, settings: settings, on: group.next()).wait()) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix("cannot connect to the target 127.0.0.1:\(port): "), text)
            XCTAssertFalse(text.contains("\n"), text)
        }
    }

    /// A subscriber and, 200 ms later on a second connection, a publisher: at `--speed max` both
    /// start at once, and the PUBLISH must still wait for the SUBSCRIBE the recording sent (and had
    /// confirmed) before it, and the subscriber's hang-up for the PUBLISH, or it reaches no
    /// subscriber (`:0` instead of `:1`).
    func testAPublishOnAnotherConnectionWaitsForTheSubscribeRecordedBeforeIt() throws {
        let server = try RedisServer()
        let capture = try LoopbackCapture(path: work + "/pubsub.pcap", ports: [server.port])
        let subscriber = try BlockingSocket.connect(host: "127.0.0.1", port: server.port)
        try subscriber.send(Self.command(["SUBSCRIBE", "news"]))
        var heard: [UInt8] = []
        let confirmation = "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n"
        while heard.count < confirmation.utf8.count { heard += try subscriber.receive() }
        usleep(200_000)
        let publisher = try BlockingSocket.connect(host: "127.0.0.1", port: server.port)
        try publisher.send(Self.command(["PUBLISH", "news", "hello"]))
        XCTAssertEqual(String(decoding: try publisher.receive(), as: UTF8.self), ":1\r\n")
        let message = "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
        while heard.count < confirmation.utf8.count + message.utf8.count { heard += try subscriber.receive() }
        publisher.shutdownWrite()
        _ = try publisher.receiveUntilEOF()
        publisher.close()
        // The subscriber hangs up a while later: in the replay too, not before the PUBLISH.
        usleep(100_000)
        subscriber.shutdownWrite()
        _ = try subscriber.receiveUntilEOF()
        subscriber.close()
        capture.stop()
        server.stop()

        let plan = try ReplayPlan.read(capture.path)
        XCTAssertEqual(plan.conversations.count, 2)
        XCTAssertEqual(plan.mustFollow, [0, 0], "the two connections overlapped")
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? loops.syncShutdownGracefully() }
        for attempt in 1...5 {
            let target = try RedisServer()
            defer { target.stop() }
            var settings = ReplayEngine.Settings(
                target: try SocketAddress(ipAddress: "127.0.0.1", port: Int(target.port)), name: "target")
            settings.speed = .max
            let run = try ReplayEngine.run(plan, settings: settings, on: loops.next(), connections: loops).wait()
            let reply = try XCTUnwrap(run.conversations[1].replayed?.exchanges.first?.response)
            XCTAssertEqual(String(decoding: reply.content, as: UTF8.self), ":1\r\n", "attempt \(attempt)")
        }
    }
}
