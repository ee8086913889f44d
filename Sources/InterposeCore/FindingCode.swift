/// Every kind of finding Interpose reports: its stable code, the severity it is reported at, and
/// what it means, in one catalogue.
///
/// A `Finding` can only be made from one of these, so the catalogue cannot miss a code that is
/// reported. `interpose explain CODE` prints an entry, and the README's table of findings is
/// generated from `allCases` (a test fails when the two disagree).
///
/// Codes are `layer.problem`. The problems every request/response protocol can have (a retried
/// request, an unanswered one, authentication failures) are families: their raw value starts with
/// `*.`, and a finding of one names its protocol (`redis.retried-request`, `postgres.auth-failure`).
///
/// ```swift
/// let gap = Finding(code: .tcpGap, connection: ConnectionID(3), frame: 117,
///                   message: "1448 bytes missing client->server", detail: "at stream offset 28960")
/// let retry = Finding(code: .retriedRequest, layer: "redis", message: "...")
/// ```
public enum FindingCode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    // MARK: Capture files and live capture
    case captureTruncated = "capture.truncated"
    case captureSnaplen = "capture.snaplen"
    case captureUndecodable = "capture.undecodable"
    case captureUnsupportedLinkType = "capture.unsupported-link-type"
    case capturePcapngInterfaces = "capture.pcapng-interfaces"
    case captureInterfaceFailed = "capture.interface-failed"
    case captureDropped = "capture.dropped"
    case captureWriteFailed = "capture.write-failed"
    case captureRetriesNotListed = "capture.retries-not-listed"

    // MARK: IP and TCP
    case ipFragmentIncomplete = "ip.fragment-incomplete"
    case tcpGap = "tcp.gap"
    case tcpOverlapMismatch = "tcp.overlap-mismatch"
    case tcpRetransmission = "tcp.retransmission"
    case tcpOutOfOrder = "tcp.out-of-order"
    case tcpOutOfOrderLimit = "tcp.out-of-order-limit"
    case tcpDataAfterFin = "tcp.data-after-fin"
    case tcpDataAfterReset = "tcp.data-after-reset"
    case tcpRSTWithData = "tcp.rst-with-data"
    case tcpMidStream = "tcp.mid-stream"

    // MARK: HTTP/1
    case httpMalformed = "http.malformed"
    case httpBadContentLength = "http.bad-content-length"
    case httpContentLengthMismatch = "http.content-length-mismatch"
    case httpAmbiguousLength = "http.ambiguous-length"
    case httpIncompleteRequest = "http.incomplete-request"
    case httpIncompleteResponse = "http.incomplete-response"
    case httpResponseOutOfOrder = "http.response-out-of-order"
    case httpUnreadableAfterGap = "http.unreadable-after-gap"

    // MARK: HTTP/2 and gRPC
    case http2Malformed = "http2.malformed"
    case http2ProtocolError = "http2.protocol-error"
    case http2FrameSizeError = "http2.frame-size-error"
    case http2FlowControlError = "http2.flow-control-error"
    case http2TooManyStreams = "http2.too-many-streams"
    case http2StreamReset = "http2.stream-reset"
    case http2Goaway = "http2.goaway"
    case http2IncompleteStream = "http2.incomplete-stream"
    case http2SettingsUnacknowledged = "http2.settings-unacknowledged"
    case http2UnreadableAfterGap = "http2.unreadable-after-gap"
    case grpcMalformed = "grpc.malformed"
    case grpcMissingStatus = "grpc.missing-status"

    // MARK: Redis
    case redisMalformed = "redis.malformed"
    case redisIncompleteCommand = "redis.incomplete-command"
    case redisIncompleteReply = "redis.incomplete-reply"
    case redisUnexpectedReplyType = "redis.unexpected-reply-type"
    case redisReplyOutOfOrder = "redis.reply-out-of-order"
    case redisUnansweredCommand = "redis.unanswered-command"
    case redisUnreadableAfterGap = "redis.unreadable-after-gap"

    // MARK: PostgreSQL
    case postgresMalformed = "postgres.malformed"
    case postgresIncompleteMessage = "postgres.incomplete-message"
    case postgresUnexpectedMessage = "postgres.unexpected-message"
    case postgresUnreadableAfterGap = "postgres.unreadable-after-gap"

    // MARK: MQTT
    case mqttMalformed = "mqtt.malformed"
    case mqttIncompleteMessage = "mqtt.incomplete-message"
    case mqttAckOutOfOrder = "mqtt.ack-out-of-order"
    case mqttUnreadableAfterGap = "mqtt.unreadable-after-gap"

    // MARK: TLS
    case tlsMalformed = "tls.malformed"
    case tlsUnreadableAfterGap = "tls.unreadable-after-gap"
    case tlsAlert = "tls.alert"
    case tlsCertificateUnreadable = "tls.certificate-unreadable"
    case tlsCertificateNameMismatch = "tls.certificate-name-mismatch"
    case tlsCertificateExpired = "tls.certificate-expired"
    case tlsCertificateNotYetValid = "tls.certificate-not-yet-valid"
    case tlsCertificateExpiring = "tls.certificate-expiring"
    case tlsCertificateChanged = "tls.certificate-changed"
    case tlsClientNotTLS = "tls.client-not-tls"
    case tlsClientRefusedInterception = "tls.client-refused-interception"
    case tlsUpstreamHandshakeFailed = "tls.upstream-handshake-failed"

    // MARK: Every protocol with requests and responses (`http`, `http2`, `redis`, `postgres`, `mqtt`, `tls`)
    case unansweredRequest = "*.unanswered-request"
    case disconnectInFlight = "*.disconnect-in-flight"
    case unansweredAtCaptureEnd = "*.unanswered-at-capture-end"
    case abandonedBlockingRequest = "*.abandoned-blocking-request"
    case responseWithoutRequest = "*.response-without-request"
    case retriedRequest = "*.retried-request"
    case authFailure = "*.auth-failure"
    case serverError = "*.server-error"
    case clientError = "*.client-error"
    case versionDrift = "*.version-drift"

    /// The code as written in findings, or the family's pattern (`*.retried-request`).
    public var description: String { rawValue }

    /// Whether this is a family of codes, one per protocol (`*.retried-request`).
    public var isFamily: Bool { rawValue.hasPrefix("*.") }

    /// The code a finding of this kind carries: the raw value, or for a family the protocol's layer
    /// in place of `*` (`redis.retried-request`).
    /// - Parameter layer: the protocol of a family code (`http`, `redis`...); ignored otherwise.
    public func code(in layer: String?) -> String {
        guard isFamily, let layer else { return rawValue }
        return layer + rawValue.dropFirst()
    }

    /// The entry for a code as findings carry it: `tcp.gap`, or `redis.retried-request` for the
    /// `*.retried-request` family. `nil` for a code Interpose does not report.
    public init?(code: String) {
        if let exact = FindingCode(rawValue: code) {
            self = exact
            return
        }
        guard let dot = code.firstIndex(of: "."), let family = FindingCode(rawValue: "*" + code[dot...]),
            FindingCode.familyLayers.contains(String(code[..<dot]))
        else { return nil }
        self = family
    }

    /// The protocols the family codes are reported for (`http` is HTTP/1).
    public static let familyLayers = ["http", "http2", "redis", "postgres", "mqtt", "tls"]
}
