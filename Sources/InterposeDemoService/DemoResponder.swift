import NIOCore
import NIOHTTP1

/// Answers routes for one build of the demo service: users from the catalog, counters from Redis.
///
/// Every answer with `served_at` takes it from the wall clock, and `GET /users/{id}` draws a new
/// `request_id` (also sent as `X-Request-Id`): the noise a replay comparison has to cancel.
public struct DemoResponder: Sendable {
    /// Which build answers.
    public var build: DemoBuild
    /// Where counters live; `nil` answers the counter routes with 503.
    public var redis: RedisClient?

    /// A responder for `build`, with counters in `redis`.
    public init(build: DemoBuild, redis: RedisClient?) {
        self.build = build
        self.redis = redis
    }

    /// The answer to `route`.
    /// - Parameters:
    ///   - route: what was asked.
    ///   - loop: where Redis commands run and the future completes.
    /// - Returns: the answer; it never fails (Redis trouble is a 503 or 502 answer).
    public func respond(to route: DemoRoute, on loop: EventLoop) -> EventLoopFuture<DemoResponse> {
        switch route {
        case .incrementCounter(let name):
            return counter(name, command: ["INCR", DemoResponder.counterKey(name)], on: loop)
        case .readCounter(let name):
            return counter(name, command: ["GET", DemoResponder.counterKey(name)], on: loop)
        default:
            return loop.makeSucceededFuture(respondWithoutRedis(to: route))
        }
    }

    /// The answer to a route that needs no Redis (counter routes answer 503 here).
    public func respondWithoutRedis(to route: DemoRoute) -> DemoResponse {
        switch route {
        case .health:
            return DemoResponse(status: .ok, body: .object([.init("status", .string("ok"))]))
        case .user(let text):
            guard let id = Int(text), let user = DemoUser.find(id, build: build) else {
                let id: JSONValue = Int(text).map { .int($0) } ?? .string(text)
                return .error(.notFound, "no such user", [.init("id", id)])
            }
            let requestID = RequestID.random()
            let members =
                user.members + [
                    .init("served_at", .string(WallClockTime.now().iso8601)), .init("request_id", .string(requestID)),
                ]
            return DemoResponse(status: .ok, body: .object(members), headers: [("X-Request-Id", requestID)])
        case .users(let plan):
            let users = DemoUser.all.filter { plan == nil || $0.plan == plan }
            return DemoResponse(
                status: .ok,
                body: .object([
                    .init("users", .array(users.map { .object($0.members) })),
                    .init("served_at", .string(WallClockTime.now().iso8601)),
                ]))
        case .incrementCounter, .readCounter:
            return .error(.serviceUnavailable, "redis not configured")
        case .badCounterName(let name):
            return .error(
                .badRequest, "bad counter name",
                [
                    .init("name", .string(name)),
                    .init("allowed", .string("1 to 64 of A-Z a-z 0-9 _ . -")),
                ])
        case .methodNotAllowed(let path, let allowed):
            return .error(
                .methodNotAllowed, "method not allowed", [.init("path", .string(path))],
                headers: [("Allow", allowed)])
        case .notFound(let path):
            return .error(.notFound, "not found", [.init("path", .string(path))])
        }
    }

    /// The Redis key of a counter.
    public static func counterKey(_ name: String) -> String { "demo:counter:\(name)" }

    private func counter(_ name: String, command: [String], on loop: EventLoop) -> EventLoopFuture<DemoResponse> {
        guard let redis else { return loop.makeSucceededFuture(.error(.serviceUnavailable, "redis not configured")) }
        return redis.send(command, on: loop).map { reply in
            DemoResponder.counterResponse(name, reply: reply)
        }.recover { error in
            let unavailable = (error as? RedisError)?.isUnavailable ?? true
            return .error(
                unavailable ? .serviceUnavailable : .badGateway,
                unavailable ? "redis unavailable" : "bad redis reply",
                [.init("detail", .string("\(error)"))])
        }
    }

    /// `{"name":..., "value":..., "served_at":...}` from an `INCR` or `GET` reply.
    static func counterResponse(_ name: String, reply: RESPReply) -> DemoResponse {
        let value: Int?
        switch reply {
        case .integer(let number): value = number
        case .bulk(nil): value = 0
        case .bulk(let text?): value = Int(text)
        case .error(let message):
            return .error(.badGateway, "redis error", [.init("detail", .string(message))])
        default: value = nil
        }
        guard let value else {
            return .error(.badGateway, "bad redis reply", [.init("detail", .string("\(reply)"))])
        }
        return DemoResponse(
            status: .ok,
            body: .object([
                .init("name", .string(name)), .init("value", .int(value)),
                .init("served_at", .string(WallClockTime.now().iso8601)),
            ]))
    }
}
