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

    /// The attributes it takes, with their defaults (Toxiproxy's where it has them) and ranges.
    public var attributes: [ToxicAttributeKey] {
        switch self {
        case .latency: return [.latency, .jitter]
        case .bandwidth: return [.rate]
        case .slicer: return [.averageSize, .sizeVariation, .sliceDelay]
        case .timeout: return [.timeout]
        case .resetPeer: return [.timeout]
        case .limitData: return [.bytes]
        case .slowClose: return [.delay]
        case .connectDelay: return [.delay]
        case .httpStatus: return [.status, .retryAfter]
        case .redisError: return [.error]
        case .dropAfterRequests: return [.requests]
        }
    }

    /// The attribute of this type with that name, or `nil`.
    public func attribute(named name: String) -> ToxicAttributeKey? {
        attributes.first { $0.name == name }
    }

    /// Its attributes with their defaults.
    public var defaults: [String: ToxicAttribute] {
        Dictionary(uniqueKeysWithValues: attributes.map { ($0.name, $0.defaultValue) })
    }

    /// Whether it needs the conversation's protocol read (requests counted, answered in its syntax).
    public var isProtocolAware: Bool {
        self == .httpStatus || self == .redisError || self == .dropAfterRequests
    }
}
