/// A conformance, ordering or completeness problem found in traffic (docs/DESIGN.md, "The pipeline").
///
/// The TCP reader, the protocol dissectors, the live proxy and replay all report problems as
/// findings, so a finding found live is found again offline. `code` is stable (`tcp.gap`,
/// `http.content-length-mismatch`) and is what tools and tests match on; `message` is for people.
/// Every finding is of a kind in the catalogue (`FindingCode`), which `interpose explain` prints.
///
/// ```swift
/// let gap = Finding(code: .tcpGap, connection: ConnectionID(3), frame: 117,
///                   message: "1448 bytes missing client->server", detail: "at stream offset 28960")
/// ```
public struct Finding: Sendable, Hashable, CustomStringConvertible {
    /// Its kind in the catalogue.
    public var kind: FindingCode
    /// For a family kind (`*.retried-request`), the protocol it was found in (`redis`).
    public var layer: String?
    /// How serious it is.
    public var severity: Severity
    /// The connection it is about, or `nil` for a problem of the whole capture.
    public var connection: ConnectionID?
    /// The packet (1-based, in file order) or frame it points at, when there is one.
    public var frame: Int?
    /// One line for people: what is wrong.
    public var message: String
    /// More context (offsets, counts, the library's own words), or `nil`.
    public var detail: String?

    /// A stable dotted identifier, `layer.problem` (`tcp.gap`, `redis.retried-request`).
    public var code: String { kind.code(in: layer) }

    /// A finding from its parts.
    /// - Parameters:
    ///   - code: its kind.
    ///   - layer: the protocol, for a family kind (`redis` makes `*.retried-request` read
    ///     `redis.retried-request`).
    ///   - severity: the catalogue's severity unless given (the entry says when another applies).
    public init(
        code: FindingCode, layer: String? = nil, severity: Severity? = nil, connection: ConnectionID? = nil,
        frame: Int? = nil, message: String, detail: String? = nil
    ) {
        self.kind = code
        self.layer = layer
        self.severity = severity ?? code.severity
        self.connection = connection
        self.frame = frame
        self.message = message
        self.detail = detail
    }

    /// `severity code [connection N] [frame F]: message (detail)`, for logs and test failures.
    public var description: String {
        var text = "\(severity) \(code)"
        if let connection { text += " connection \(connection)" }
        if let frame { text += " frame \(frame)" }
        text += ": \(message)"
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }
}
