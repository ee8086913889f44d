import InterposeCapture
import InterposeCore
import InterposeProtocols

/// One request of a recorded conversation with the response that answered it, reduced to what a
/// comparison needs: names, summaries, fingerprints, sizes, timing and, when the collector keeps
/// content, the request's and the response's bytes (capped at `RecordedExchange.contentLimit`).
public struct RecordedExchange: Sendable, Hashable {
    /// The response part of an exchange.
    public struct Response: Sendable, Hashable {
        /// The status code (`200`, `404`, `-ERR`), or the message name when the protocol has none.
        public var code: String
        /// One line for people: `200 OK`.
        public var summary: String
        /// The content fingerprint (`Message.bodyFingerprint`); 0 when the dissector computes none.
        public var bodyFingerprint: UInt64
        /// Bytes on the wire, headers and body.
        public var bytes: Int64
        /// From the request's first byte to the response's last byte, in nanoseconds.
        public var latencyNanoseconds: Int64
        /// The response's bytes on the wire (head and body), at most `contentLimit`; empty when the
        /// collector keeps no content or the bytes were not seen (a gap).
        public var content: [UInt8] = []
        /// Whether `content` stops short of the response (over `contentLimit`).
        public var contentTruncated = false

        /// A response from its parts.
        public init(code: String, summary: String, bodyFingerprint: UInt64, bytes: Int64, latencyNanoseconds: Int64) {
            self.code = code
            self.summary = summary
            self.bodyFingerprint = bodyFingerprint
            self.bytes = bytes
            self.latencyNanoseconds = latencyNanoseconds
        }
    }

    /// The most bytes of a request or a response an exchange keeps for comparison (1 MiB).
    public static let contentLimit = 1 << 20

    /// The conversation's protocol, which says how `requestContent` and `Response.content` decode.
    public var application: ApplicationProtocol
    /// The request's bytes on the wire, at most `contentLimit`; empty when no content was kept.
    public var requestContent: [UInt8] = []
    /// The request's name (`GET`, `SET`).
    public var name: String
    /// The request's statistics key (`GET /users/{id}`).
    public var key: String
    /// One line for people: `GET /index.html HTTP/1.1`.
    public var summary: String
    /// The request's identity fingerprint (`Message.fingerprint`).
    public var fingerprint: UInt64
    /// When the request's first byte was seen.
    public var start: Timestamp
    /// Its answer; `nil` while none was seen.
    public var response: Response?
    /// Whether the replay sent this request with live values in place of recorded ones
    /// (correlation), so that its bytes differ from the recorded request's by design.
    public var requestRewritten = false

    /// An exchange for a request, not answered yet.
    public init(request: Message) {
        application = request.application
        name = request.name
        key = request.key
        summary = request.summary
        fingerprint = request.fingerprint
        start = request.start
    }

    /// Records the response that answers this exchange's request.
    public mutating func answer(with message: Message) {
        response = Response(
            code: message.status?.code ?? message.name, summary: message.summary,
            bodyFingerprint: message.bodyFingerprint, bytes: message.bytes,
            latencyNanoseconds: message.end.nanosecondsSinceEpoch - start.nanosecondsSinceEpoch)
    }
}
