import NIOCore

/// The answers the proxy gives in the upstream's place (http_status, redis_error).
public enum InjectedAnswer {
    /// A complete HTTP/1.1 response that keeps the connection usable: status line, Content-Length,
    /// Retry-After when asked, and a one-line body naming Interpose.
    /// - Parameters:
    ///   - status: the status code (429, 503, ...).
    ///   - retryAfter: seconds for Retry-After; 0 sends none.
    public static func http(status: Int, retryAfter: Int) -> ByteBuffer {
        let body = "interpose: injected \(status) \(reason(status))\n"
        var head =
            "HTTP/1.1 \(status) \(reason(status))\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
        if retryAfter > 0 { head += "Retry-After: \(retryAfter)\r\n" }
        head += "X-Interpose-Fault: http_status\r\n\r\n"
        return ByteBuffer(string: head + body)
    }

    /// A Redis error reply: `-<error>\r\n` (line breaks in the text become spaces).
    public static func redis(error: String) -> ByteBuffer {
        let line = error.map { $0 == "\r" || $0 == "\n" ? " " : String($0) }.joined()
        return ByteBuffer(string: "-\(line)\r\n")
    }

    /// The reason phrase of a status code.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Injected Fault"
        }
    }
}
