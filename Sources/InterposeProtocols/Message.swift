import InterposeCore

/// One protocol unit read from a conversation: an HTTP request or response, a Redis command or
/// reply, a PostgreSQL query and its results, a TLS handshake message (docs/DESIGN.md, "The pipeline").
///
/// Dissectors make messages from frames; checks, reports and replay consume them. A message keeps
/// what those need (names, status, timing, sizes, a short excerpt), never a whole body, except
/// `content` from a dissector made to keep it for replay and `diff`.
///
/// ```swift
/// // GET /users/7 answered 404 by nginx:
/// // Message(index: 0, role: .request, name: "GET", summary: "GET /users/7 HTTP/1.1", ...)
/// // Message(index: 1, role: .response, name: "404", answers: 0, status: .clientError("404"), ...)
/// ```
public struct Message: Sendable, Hashable {
    /// What the message is in the exchange.
    public enum Role: String, Sendable, Hashable {
        /// Sent by the client and answered by the server (an HTTP request, a Redis command).
        case request
        /// The server's answer to a request.
        case response
        /// Neither: a push, a notice, a handshake step that is not answered one to one.
        case event
    }

    /// Position among the conversation's messages, 0-based, in the order requests were started and
    /// other messages completed. A response's `answers` refers to it.
    public var index: Int
    /// Request, response or event.
    public var role: Role
    /// The protocol that read it.
    public var application: ApplicationProtocol
    /// Which way it travelled.
    public var direction: Direction
    /// When its first byte was seen.
    public var start: Timestamp
    /// When its last byte was seen.
    public var end: Timestamp
    /// The capture packet that completed it, when read from a file.
    public var packet: Int?
    /// A short name: the HTTP method or status code, the Redis command, the PostgreSQL message type.
    public var name: String
    /// One line for people: `GET /index.html HTTP/1.1`, `200 OK`, `SET user:7`, `-ERR unknown command`.
    public var summary: String
    /// What statistics group it under: `GET /users` (path without the query), `SET`, `Query`.
    /// For responses, the request's key.
    public var key: String
    /// The protocol version it spoke (`HTTP/1.1`, `RESP3`, `TLS 1.3`), when it says.
    public var version: String?
    /// For a response, the index of the request it answers.
    public var answers: Int?
    /// For a request, whether the protocol expects an answer (a Redis command does; a PostgreSQL
    /// Terminate or an MQTT QoS 0 PUBLISH does not).
    public var expectsResponse: Bool
    /// How it went, for responses (and events that report an outcome, like a TLS alert).
    public var status: MessageStatus?
    /// Bytes on the wire, headers and body.
    public var bytes: Int64
    /// A fingerprint of the request's identity (method, target and body prefix), to recognise the
    /// same request sent again on another connection; 0 when not computed.
    public var fingerprint: UInt64
    /// For a response, a fingerprint of its content (the body, or the decoded reply) and its length,
    /// to tell whether two answers to the same request are the same without keeping either; 0 when
    /// not computed. The dissector's doc comment says what goes in.
    public var bodyFingerprint: UInt64
    /// Bytes of its direction just before it that belong to no message (PostgreSQL password and
    /// SASL messages after the startup, COPY data outside an extended-protocol unit), so a reader
    /// that cuts the stream by message sizes steps over them instead of taking them as this one.
    public var skippedBefore: Int64 = 0
    /// For a request: the server may rightly leave it unanswered until something else happens (a
    /// Redis `BRPOP key 0`, `XREAD BLOCK`, `WAIT`), so a client that gives up on it and closes is
    /// not a server that failed to answer.
    public var waitsIndefinitely = false
    /// For a server message: it ends the session as the protocol says (a PostgreSQL FATAL such as
    /// `57P01` administrator shutdown, an MQTT 5 server DISCONNECT with a reason code), which is
    /// the answer to every request still waiting and to any the client wrote before it saw it.
    public var endsSession = false
    /// The message's content in its protocol's content format, from a dissector that frames content
    /// itself because the messages of its protocol interleave on the wire (HTTP/2 streams) and was
    /// made to keep it (`ProtocolDescriptor.makeContentDissector`); empty otherwise, where replay
    /// cuts each message's bytes from the stream by `bytes`.
    public var content: [UInt8] = []
    /// Whether `content` stops short of the message (a body over the dissector's limit).
    public var contentTruncated = false

    /// A message from its parts.
    public init(
        index: Int, role: Role, application: ApplicationProtocol, direction: Direction, start: Timestamp,
        end: Timestamp, packet: Int? = nil, name: String, summary: String, key: String? = nil,
        version: String? = nil, answers: Int? = nil, expectsResponse: Bool = false, status: MessageStatus? = nil,
        bytes: Int64 = 0, fingerprint: UInt64 = 0, bodyFingerprint: UInt64 = 0
    ) {
        self.index = index
        self.role = role
        self.application = application
        self.direction = direction
        self.start = start
        self.end = end
        self.packet = packet
        self.name = name
        self.summary = summary
        self.key = key ?? name
        self.version = version
        self.answers = answers
        self.expectsResponse = expectsResponse
        self.status = status
        self.bytes = bytes
        self.fingerprint = fingerprint
        self.bodyFingerprint = bodyFingerprint
    }
}
