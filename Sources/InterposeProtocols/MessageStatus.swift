/// The outcome a response reports, in the protocol's own terms and as a class checks can count.
public struct MessageStatus: Sendable, Hashable, CustomStringConvertible {
    /// The broad outcome.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// It worked (HTTP 1xx-3xx, a Redis reply that is not an error, PostgreSQL CommandComplete).
        case success
        /// The request was refused as wrong (HTTP 4xx, most Redis errors, SQLSTATE classes 22, 23, 42...).
        case clientError = "client_error"
        /// The server failed (HTTP 5xx, Redis `-LOADING`/`-BUSY`, SQLSTATE classes 53, 57, 58, XX).
        case serverError = "server_error"
        /// Authentication or authorisation was refused (HTTP 401/403, Redis `-NOAUTH`/`-WRONGPASS`,
        /// SQLSTATE 28xxx).
        case authenticationFailure = "auth_failure"
    }

    /// The broad outcome.
    public var outcome: Outcome
    /// The protocol's own code: `503`, `WRONGTYPE`, `42P01`.
    public var code: String

    /// A status from its parts.
    public init(_ outcome: Outcome, code: String) {
        self.outcome = outcome
        self.code = code
    }

    /// Whether it reports a failure of any kind.
    public var isFailure: Bool { outcome != .success }

    /// `503 (server_error)`.
    public var description: String { "\(code) (\(outcome.rawValue))" }
}
