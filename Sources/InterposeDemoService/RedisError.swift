/// Why a Redis command of the demo service got no usable reply.
public struct RedisError: Error, CustomStringConvertible {
    private enum Code {
        case unavailable
        case timedOut
        case closed
        case malformedReply
    }

    private let code: Code
    /// What went wrong, in one line.
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The connection to Redis could not be made (refused, unreachable, connect timeout).
    public static func unavailable(_ address: String, reason: String) -> RedisError {
        RedisError(.unavailable, "cannot connect to redis at \(address): \(reason)")
    }

    /// Redis accepted the connection but did not answer in time.
    public static func timedOut(_ address: String, after milliseconds: Int64) -> RedisError {
        RedisError(.timedOut, "redis at \(address) did not answer within \(milliseconds) ms")
    }

    /// Redis closed the connection before answering.
    public static func closed(_ address: String) -> RedisError {
        RedisError(.closed, "redis at \(address) closed the connection before answering")
    }

    /// The bytes Redis sent are not a RESP reply.
    public static func malformedReply(_ detail: String) -> RedisError {
        RedisError(.malformedReply, "malformed redis reply: \(detail)")
    }

    /// Whether this is the server being unreachable (as opposed to a broken answer).
    public var isUnavailable: Bool { code == .unavailable || code == .timedOut || code == .closed }
}
