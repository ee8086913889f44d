import Foundation
import InterposeDemoService
import InterposeTestSupport
import XCTest

/// The demo service over real sockets: curl as the client, a real redis-server for the counters.
/// What the replay demo relies on: the two builds agree except for the planted change, and the
/// noise really is noise.
final class DemoServiceTests: XCTestCase {
    private var services: [DemoService] = []

    override func tearDown() async throws {
        for service in services { await service.stop() }
        services = []
    }

    /// Starts a service on a free loopback port and returns its base URL.
    private func start(build: Int, redis: UInt16? = nil) async throws -> String {
        let service = DemoService(
            settings: .init(host: "127.0.0.1", port: 0, build: build, redis: redis.map { ("127.0.0.1", Int($0)) }))
        let port = try await service.start()
        services.append(service)
        return "http://127.0.0.1:\(port)"
    }

    private static let noiseFields: Set<String> = ["served_at", "request_id"]
    private static let noiseHeaders: Set<String> = ["date", "x-request-id"]

    /// The body without its noise fields, as comparable text (keys sorted).
    private func withoutNoise(_ reply: CurlReply) throws -> [String: String] {
        try reply.json.filter { !Self.noiseFields.contains($0.key) }.mapValues { "\($0)" }
    }

    /// The body text with the noisy values emptied: equal for equal answers, byte for byte.
    private func blanked(_ reply: CurlReply) -> String {
        reply.body.replacingOccurrences(
            of: #""(served_at|request_id)":"[^"]*""#, with: #""$1":"""#, options: .regularExpression)
    }

    /// The headers without the noisy ones, in order.
    private func stableHeaders(_ reply: CurlReply) -> [String] {
        reply.headers.filter { !Self.noiseHeaders.contains($0.name.lowercased()) }.map { "\($0.name): \($0.value)" }
    }

    func testBothBuildsAnswerUser3IdenticallyExceptTheNoise() async throws {
        let old = try await start(build: 1)
        let new = try await start(build: 2)
        let a = try CurlReply.fetchOne(["\(old)/users/3"])
        let b = try CurlReply.fetchOne(["\(new)/users/3"])
        XCTAssertEqual(a.status, 200)
        XCTAssertEqual(b.status, 200)
        XCTAssertEqual(try withoutNoise(a), try withoutNoise(b))
        XCTAssertEqual(stableHeaders(a), stableHeaders(b))
        XCTAssertEqual(a.header("Content-Type"), "application/json")
        // Same bytes once the noisy values are blanked: same field order, same lengths.
        XCTAssertEqual(blanked(a), blanked(b))
        XCTAssertEqual(try a.json["plan"] as? String, "pro")
        XCTAssertEqual(try a.json["email"] as? String, "user3@example.com")
    }

    func testUser7DiffersBetweenBuildsExactlyInPlan() async throws {
        let old = try await start(build: 1)
        let new = try await start(build: 2)
        let a = try withoutNoise(try CurlReply.fetchOne(["\(old)/users/7"]))
        let b = try withoutNoise(try CurlReply.fetchOne(["\(new)/users/7"]))
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        XCTAssertEqual(a.keys.filter { a[$0] != b[$0] }, ["plan"])
        XCTAssertEqual(a["plan"], "free")
        XCTAssertEqual(b["plan"], "enterprise")
    }

    func testEveryOtherEndpointIsTheSameInBothBuilds() async throws {
        let old = try await start(build: 1)
        let new = try await start(build: 2)
        for path in [
            "/health", "/users?plan=pro", "/users", "/users/1", "/users/20", "/users/21", "/users/abc",
            "/nowhere",
        ] {
            let a = try CurlReply.fetchOne(["\(old)\(path)"])
            let b = try CurlReply.fetchOne(["\(new)\(path)"])
            XCTAssertEqual(a.status, b.status, path)
            XCTAssertEqual(blanked(a), blanked(b), path)
            XCTAssertEqual(stableHeaders(a), stableHeaders(b), path)
            XCTAssertFalse(a.body.contains("build"), "no answer names the build: \(a.body)")
        }
        let health = try CurlReply.fetchOne(["\(new)/health"])
        XCTAssertEqual(health.body, #"{"status":"ok"}"#)
    }

    func testUnknownUserIs404WithTheId() async throws {
        let base = try await start(build: 1)
        let reply = try CurlReply.fetchOne(["\(base)/users/21"])
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.body, #"{"error":"no such user","id":21}"#)
    }

    func testListFiltersByPlanAndCarriesServedAt() async throws {
        let base = try await start(build: 2)
        let reply = try CurlReply.fetchOne(["\(base)/users?plan=pro"])
        XCTAssertEqual(reply.status, 200)
        let users = try XCTUnwrap(try reply.json["users"] as? [[String: Any]])
        XCTAssertEqual(users.compactMap { $0["id"] as? Int }, [3, 6, 9, 12, 15, 18])
        XCTAssertTrue(users.allSatisfy { $0["plan"] as? String == "pro" })
        XCTAssertNotNil(try reply.json["served_at"] as? String)
    }

    func testServedAtAndRequestIDDifferBetweenTwoCalls() async throws {
        let base = try await start(build: 1)
        let first = try CurlReply.fetchOne(["\(base)/users/3"])
        usleep(5_000)
        let second = try CurlReply.fetchOne(["\(base)/users/3"])
        let firstServedAt = try XCTUnwrap(try first.json["served_at"] as? String)
        let secondServedAt = try XCTUnwrap(try second.json["served_at"] as? String)
        XCTAssertNotEqual(firstServedAt, secondServedAt)
        XCTAssertNotNil(
            firstServedAt.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression),
            firstServedAt)
        let firstID = try XCTUnwrap(try first.json["request_id"] as? String)
        let secondID = try XCTUnwrap(try second.json["request_id"] as? String)
        XCTAssertNotEqual(firstID, secondID)
        XCTAssertNotNil(UUID(uuidString: firstID), firstID)
        XCTAssertEqual(first.header("X-Request-Id"), firstID)
        XCTAssertEqual(second.header("X-Request-Id"), secondID)
        let date = try XCTUnwrap(first.header("Date"))
        XCTAssertNotNil(
            date.range(
                of: #"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$"#, options: .regularExpression),
            date)
    }

    func testSeveralRequestsShareOneKeepAliveConnection() async throws {
        let base = try await start(build: 1)
        let result = try ProcessRunner.run(
            "curl", ["-sv", "--max-time", "10", "\(base)/users/1", "\(base)/health", "\(base)/users/2"], timeout: 30)
        XCTAssertEqual(result.status, 0, result.stderrText)
        XCTAssertTrue(result.stderrText.contains("Re-using existing connection"), result.stderrText)
        XCTAssertEqual(result.stderrText.components(separatedBy: "Connected to").count - 1, 1, "one connection")
        XCTAssertTrue(result.stdoutText.hasPrefix(#"{"id":1,"#), result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains(#"}{"status":"ok"}{"id":2,"#), result.stdoutText)
    }

    func testCountersIncrementThroughRedis() async throws {
        let redis = try RedisServer()
        let base = try await start(build: 1, redis: redis.port)
        let absent = try CurlReply.fetchOne(["\(base)/counters/visits"])
        XCTAssertEqual(absent.status, 200)
        XCTAssertEqual(try absent.json["value"] as? Int, 0, "a counter Redis does not have reads 0")
        let first = try CurlReply.fetchOne(["-X", "POST", "\(base)/counters/visits"])
        let second = try CurlReply.fetchOne(["-X", "POST", "\(base)/counters/visits"])
        XCTAssertEqual(try first.json["value"] as? Int, 1)
        XCTAssertEqual(try second.json["value"] as? Int, 2)
        XCTAssertEqual(try second.json["name"] as? String, "visits")
        XCTAssertNotNil(try second.json["served_at"] as? String)
        XCTAssertEqual(try CurlReply.fetchOne(["\(base)/counters/visits"]).json["value"] as? Int, 2)
        let stored = try ProcessRunner.run("redis-cli", ["-p", "\(redis.port)", "GET", "demo:counter:visits"])
        XCTAssertEqual(stored.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "2")
    }

    func testRedisDownAnswers503WithAJSONErrorAndTheServiceCarriesOn() async throws {
        let redis = try RedisServer()
        let base = try await start(build: 1, redis: redis.port)
        XCTAssertEqual(try CurlReply.fetchOne(["-X", "POST", "\(base)/counters/c"]).status, 200)
        redis.stop()
        for arguments in [["-X", "POST", "\(base)/counters/c"], ["\(base)/counters/c"]] {
            let reply = try CurlReply.fetchOne(arguments)
            XCTAssertEqual(reply.status, 503, reply.body)
            XCTAssertEqual(reply.header("Content-Type"), "application/json")
            XCTAssertEqual(try reply.json["error"] as? String, "redis unavailable")
            XCTAssertTrue((try reply.json["detail"] as? String ?? "").contains("connection refused"), reply.body)
        }
        XCTAssertEqual(try CurlReply.fetchOne(["\(base)/health"]).status, 200, "still serving")
    }

    func testWithoutRedisTheCountersAnswer503() async throws {
        let base = try await start(build: 2)
        let reply = try CurlReply.fetchOne(["-X", "POST", "\(base)/counters/c"])
        XCTAssertEqual(reply.status, 503)
        XCTAssertEqual(try reply.json["error"] as? String, "redis not configured")
    }

    func testUnknownBuildDoesNotStart() async throws {
        let service = DemoService(settings: .init(build: 3))
        do {
            _ = try await service.start()
            XCTFail("build 3 started")
        } catch let error as DemoServiceError {
            XCTAssertEqual(error.description, "build must be 1 or 2, not 3")
        }
    }
}
