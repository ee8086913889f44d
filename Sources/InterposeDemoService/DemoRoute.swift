/// What a request asks the demo service for, decided from its method and target alone.
///
/// Pure: no I/O, no clock. `DemoResponder` turns a route into an answer.
public enum DemoRoute: Sendable, Equatable {
    /// `GET /health`.
    case health
    /// `GET /users/{id}`; `id` is the path segment as sent (it may not be a number).
    case user(id: String)
    /// `GET /users`, optionally `?plan=PLAN`.
    case users(plan: String?)
    /// `POST /counters/{name}`: increment in Redis.
    case incrementCounter(name: String)
    /// `GET /counters/{name}`: read from Redis.
    case readCounter(name: String)
    /// A counter name that is not 1...64 of `A-Z a-z 0-9 _ . -`.
    case badCounterName(name: String)
    /// A known path with a method it does not take; `allowed` is the `Allow` header.
    case methodNotAllowed(path: String, allowed: String)
    /// No such path.
    case notFound(path: String)

    /// The route for a request.
    /// - Parameters:
    ///   - method: the request method, e.g. `GET`.
    ///   - target: the request target, e.g. `/users?plan=pro`.
    public init(method: String, target: String) {
        let (path, query) = DemoRoute.split(target)
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch segments.first {
        case "health" where segments.count == 1:
            self = method == "GET" ? .health : .methodNotAllowed(path: path, allowed: "GET")
        case "users" where segments.count == 1:
            self = method == "GET" ? .users(plan: query["plan"]) : .methodNotAllowed(path: path, allowed: "GET")
        case "users" where segments.count == 2:
            self = method == "GET" ? .user(id: segments[1]) : .methodNotAllowed(path: path, allowed: "GET")
        case "counters" where segments.count == 2:
            let name = segments[1]
            switch method {
            case _ where !DemoRoute.isCounterName(name): self = .badCounterName(name: name)
            case "POST": self = .incrementCounter(name: name)
            case "GET": self = .readCounter(name: name)
            default: self = .methodNotAllowed(path: path, allowed: "GET, POST")
            }
        default:
            self = .notFound(path: path)
        }
    }

    /// Whether `name` can name a counter: 1...64 ASCII letters, digits, `_`, `.` or `-`.
    public static func isCounterName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            }
    }

    /// The path and the query parameters (first value wins, no percent-decoding: the demo's
    /// values are plain words).
    private static func split(_ target: String) -> (path: String, query: [String: String]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, [:]) }
        var query = [String: String]()
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            if query[key] == nil { query[key] = parts.count > 1 ? String(parts[1]) : "" }
        }
        return (String(target[..<mark]), query)
    }
}
