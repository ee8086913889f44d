/// What a toxic does: Toxiproxy's types, and Interpose's own.
public enum ToxicType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Delays each chunk by `latency` ms plus or minus `jitter` ms.
    case latency
    /// Limits throughput to `rate` KB/s.
    case bandwidth
    /// Splits data into chunks of about `average_size` bytes (± `size_variation`), `delay` µs apart.
    case slicer
    /// Stops data, and closes the connection after `timeout` ms (0: never).
    case timeout
    /// Resets the connection (TCP RST) `timeout` ms after the toxic applies.
    case resetPeer = "reset_peer"
    /// Closes the connection once `bytes` bytes went through.
    case limitData = "limit_data"
    /// Delays the close by `delay` ms.
    case slowClose = "slow_close"
    /// Interpose: holds the upstream connect `delay` ms (handshake latency).
    case connectDelay = "connect_delay"
    /// Interpose: answers HTTP/1 requests with `status` (429, 503) instead of forwarding them,
    /// with `retry_after` seconds when given; which requests is decided per request by `toxicity`.
    case httpStatus = "http_status"
    /// Interpose: answers Redis commands with the error `error` (`BUSY ...`, `LOADING ...`).
    case redisError = "redis_error"
    /// Interpose: closes the connection after `requests` complete requests.
    case dropAfterRequests = "drop_after_requests"

    /// Its attributes with their defaults (Toxiproxy's where it has them).
    public var defaults: [String: ToxicAttribute] {
        switch self {
        case .latency: return ["latency": 0, "jitter": 0]
        case .bandwidth: return ["rate": 0]
        case .slicer: return ["average_size": 0, "size_variation": 0, "delay": 0]
        case .timeout: return ["timeout": 0]
        case .resetPeer: return ["timeout": 0]
        case .limitData: return ["bytes": 0]
        case .slowClose: return ["delay": 0]
        case .connectDelay: return ["delay": 0]
        case .httpStatus: return ["status": 503, "retry_after": 0]
        case .redisError: return ["error": "BUSY Redis is busy running a script (injected by interpose)"]
        case .dropAfterRequests: return ["requests": 1]
        }
    }

    /// Whether it needs the conversation's protocol read (requests counted, answered in its syntax).
    public var isProtocolAware: Bool {
        self == .httpStatus || self == .redisError || self == .dropAfterRequests
    }
}
