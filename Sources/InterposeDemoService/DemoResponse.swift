import NIOHTTP1

/// One answer of the demo service before it is written: status, JSON body and the headers that
/// belong to this answer (`Content-Type`, `Content-Length` and `Date` are added when writing).
public struct DemoResponse: Sendable, Equatable {
    /// The status.
    public var status: HTTPResponseStatus
    /// The body.
    public var body: JSONValue
    /// Headers beyond the standard ones, e.g. `X-Request-Id`.
    public var headers: [(name: String, value: String)]

    /// An answer.
    public init(status: HTTPResponseStatus, body: JSONValue, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// An error answer: `{"error": message, ...details}`.
    static func error(
        _ status: HTTPResponseStatus, _ message: String, _ details: [JSONValue.Member] = [],
        headers: [(name: String, value: String)] = []
    ) -> DemoResponse {
        DemoResponse(status: status, body: .object([.init("error", .string(message))] + details), headers: headers)
    }

    /// Same status, body and extra headers (in order).
    public static func == (lhs: DemoResponse, rhs: DemoResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] }
    }
}
