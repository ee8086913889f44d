import InterposeCore

/// A control API request that cannot be carried out, with Toxiproxy's wording and status code:
/// sent as `{"error": "proxy not found", "status": 404}`.
public struct ControlError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status code (400, 401, 404, 409, 413, 500).
    public var status: Int
    /// One line for people, Toxiproxy's where it has one.
    public var message: String

    /// An error with its status and line.
    public init(status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { message }

    /// 404 `proxy not found`.
    public static let proxyNotFound = ControlError(status: 404, "proxy not found")
    /// 409 `proxy already exists`.
    public static let proxyAlreadyExists = ControlError(status: 409, "proxy already exists")
    /// 404 `toxic not found`.
    public static let toxicNotFound = ControlError(status: 404, "toxic not found")
    /// 409 `toxic already exists`.
    public static let toxicAlreadyExists = ControlError(status: 409, "toxic already exists")
    /// 400 `invalid toxic type`.
    public static let invalidToxicType = ControlError(status: 400, "invalid toxic type")
    /// 400 for a stream other than upstream or downstream.
    public static let invalidStream = ControlError(
        status: 400, "stream was invalid, can be either upstream or downstream")
    /// 401 without the right bearer token.
    public static let unauthorized = ControlError(
        status: 401, "unauthorized: send the control token as 'Authorization: Bearer TOKEN'")

    /// 413 for a request body over the API's limit.
    public static func bodyTooLarge(limit: Int) -> ControlError {
        ControlError(
            status: 413, "request body too large: the control API takes at most \(ByteCount(limit)) per request")
    }

    /// 400 `missing required field: FIELD`.
    public static func missingField(_ field: String) -> ControlError {
        ControlError(status: 400, "missing required field: \(field)")
    }

    /// 400 `bad request body: REASON`.
    public static func badRequestBody(_ reason: String) -> ControlError {
        ControlError(status: 400, "bad request body: \(reason)")
    }
}
