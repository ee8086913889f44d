import InterposeCapture

/// A problem a dissector found in one conversation, before it is tied to the conversation's
/// identifier and becomes a `Finding`.
public struct DissectorFinding: Sendable, Hashable {
    /// A stable code: `http.malformed`, `redis.unexpected-reply`.
    public var code: String
    /// How serious it is.
    public var severity: Severity
    /// One line a person can act on.
    public var message: String
    /// Offsets, excerpts and counts, or `nil`.
    public var detail: String?
    /// The capture packet it points at, when known.
    public var packet: Int?
    /// The message it is about, when there is one.
    public var messageIndex: Int?
    /// Whether the dissector stopped reading the conversation because of it (malformed framing, a
    /// gap it cannot step over): checks that need every message (completeness) stop there too.
    public var endsDissection: Bool

    /// A finding from its parts.
    public init(
        code: String, severity: Severity, message: String, detail: String? = nil, packet: Int? = nil,
        messageIndex: Int? = nil, endsDissection: Bool? = nil
    ) {
        self.endsDissection =
            endsDissection ?? (code.hasSuffix(".malformed") || code.hasSuffix(".unreadable-after-gap"))
        self.code = code
        self.severity = severity
        self.message = message
        self.detail = detail
        self.packet = packet
        self.messageIndex = messageIndex
    }
}
