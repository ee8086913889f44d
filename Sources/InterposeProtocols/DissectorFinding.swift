import InterposeCore

/// A problem a dissector found in one conversation, before it is tied to the conversation's
/// identifier and becomes a `Finding`.
public struct DissectorFinding: Sendable, Hashable {
    /// Its kind in the catalogue (`.httpMalformed`).
    public var kind: FindingCode
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

    /// The stable code: `http.malformed`, `redis.unexpected-reply-type`.
    public var code: String { kind.rawValue }

    /// A finding from its parts; the severity is the catalogue's unless given.
    public init(
        code: FindingCode, severity: Severity? = nil, message: String, detail: String? = nil, packet: Int? = nil,
        messageIndex: Int? = nil, endsDissection: Bool? = nil
    ) {
        self.endsDissection =
            endsDissection
            ?? (code.rawValue.hasSuffix(".malformed") || code.rawValue.hasSuffix(".unreadable-after-gap"))
        self.kind = code
        self.severity = severity ?? code.severity
        self.message = message
        self.detail = detail
        self.packet = packet
        self.messageIndex = messageIndex
    }
}
