import Foundation
import InterposeTestSupport
import XCTest

/// `interpose proxy --toxic ... --seed N` with real clients and servers: curl and nginx, redis-cli
/// and Redis; the faults in the capture as comments.
final class ProxyFaultCommandTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-faults-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    /// The status codes of 20 keep-alive requests by one curl through a proxy with a 30 % http_status 503.
    private func statuses(nginx: NginxServer, seed: Int, capture: String) throws -> [String] {
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(nginx.port)",
            extra: [
                "--toxic", "http_status:upstream:status=503,retry_after=3,toxicity=0.3", "--seed", "\(seed)",
                "--capture", capture,
            ])
        let urls = (0..<20).flatMap { ["http://127.0.0.1:\(proxy.port)/index.html?n=\($0)", "-o", "/dev/null"] }
        let curl = try ProcessRunner.run("curl", ["-s", "-w", "%{http_code}\\n"] + urls, timeout: 30)
        XCTAssertEqual(curl.status, 0, curl.stderrText)
        XCTAssertEqual(proxy.terminate(), 0, proxy.background.stderrText)
        XCTAssertTrue(
            proxy.background.stderrText.contains("1 connection:"),
            "one keep-alive connection: \(proxy.background.stderrText)")
        return curl.stdoutText.split(separator: "\n").map(String.init)
    }

    func testHTTPStatusAnswersAFractionOfCurlRequestsTheSameForTheSameSeed() throws {
        let nginx = try NginxServer()
        defer { nginx.stop() }
        let first = try statuses(nginx: nginx, seed: 11, capture: work + "/a.pcapng")
        let again = try statuses(nginx: nginx, seed: 11, capture: work + "/b.pcapng")
        let other = try statuses(nginx: nginx, seed: 12, capture: work + "/c.pcapng")
        print("http_status 30 %, seed 11: \(first.joined(separator: " "))")
        print("http_status 30 %, seed 12: \(other.joined(separator: " "))")
        XCTAssertEqual(first.count, 20)
        XCTAssertEqual(Set(first), ["200", "503"])
        let injected = first.filter { $0 == "503" }.count
        XCTAssertTrue((1...12).contains(injected), "\(injected) of 20")
        XCTAssertEqual(first, again, "the same seed answers the same requests")
        XCTAssertNotEqual(first, other, "another seed, other requests")
        let comments = try TShark.fields(
            file: work + "/a.pcapng", filter: "frame.comment contains \"interpose fault http_status\"",
            fields: ["frame.comment", "http.response.code"])
        XCTAssertEqual(comments.count, injected, "one comment per injected answer: \(comments)")
        XCTAssertTrue(
            comments.allSatisfy {
                $0[0].contains("answered 503 instead of forwarding GET /index.html?n=") && $0[1] == "503"
            }, "\(comments)")
    }

    func testRedisErrorAnswersRedisCliWithBusy() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(redis.port)", extra: ["--toxic", "redis_error:toxicity=1"])
        let cli = try ProcessRunner.run("redis-cli", ["-p", "\(proxy.port)", "SET", "k", "v"], timeout: 20)
        XCTAssertTrue(cli.stdoutText.contains("BUSY"), cli.stdoutText + cli.stderrText)
        XCTAssertEqual(proxy.terminate(), 0)
        let check = try ProcessRunner.run("redis-cli", ["-p", "\(redis.port)", "EXISTS", "k"], timeout: 20)
        XCTAssertEqual(
            check.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "0", "the command never reached Redis")
    }

    func testDropAfterRequestsClosesOnTheRequestAfterN() throws {
        let redis = try RedisServer()
        defer { redis.stop() }
        let proxy = try InterposeProcess(
            upstream: "127.0.0.1:\(redis.port)", extra: ["--toxic", "drop_after_requests:requests=2"])
        let socket = try BlockingSocket.connect(host: "127.0.0.1", port: proxy.port)
        for _ in 0..<2 {
            try socket.send("*1\r\n$4\r\nPING\r\n")
            XCTAssertEqual(try socket.receive(exactly: 7), Array("+PONG\r\n".utf8))
        }
        try socket.send("*1\r\n$4\r\nPING\r\n")
        XCTAssertEqual(try socket.receiveUntilEOF(), [], "closed instead of the third answer")
        XCTAssertEqual(proxy.terminate(), 0)
    }

    func testBadToxicIsOneLineAndExitStatusTwo() throws {
        for (argument, expected) in [
            ("latncy", "unknown type 'latncy'"), ("latency:latency=fast", "latency must be a number"),
            ("latency:toxicity=1.5", "toxicity must be between 0 and 1"),
        ] {
            let result = try ProcessRunner.run(
                InterposeBinary.path,
                ["proxy", "--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--toxic", argument],
                timeout: 20)
            XCTAssertEqual(result.status, 2, result.stderrText)
            let lines = result.stderrText.split(separator: "\n").filter { !$0.isEmpty }
            XCTAssertEqual(lines.count, 1, result.stderrText)
            XCTAssertTrue(result.stderrText.contains(expected), result.stderrText)
        }
    }
}
