/// The application protocols Interpose dissects, and `raw` for everything else.
///
/// The raw value is the name used on the command line (`--protocol redis`), in `--port-protocol`
/// hints and in `--json` output.
public enum ApplicationProtocol: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// HTTP/1.0 and HTTP/1.1 (RFC 9112).
    case http1
    /// HTTP/2 (RFC 9113), prior knowledge or h2c upgrade.
    case http2
    /// Redis serialization protocol, RESP2 and RESP3.
    case redis
    /// PostgreSQL frontend/backend protocol 3.
    case postgres
    /// MQTT 3.1.1 and 5.
    case mqtt
    /// TLS, read without decrypting: record layer and handshake.
    case tls
    /// Anything else: bytes, in the chunks they crossed the wire.
    case raw

    /// The command-line names, for help texts and error messages: `http1, http2, ...`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// `http1`, `redis`...
    public var description: String { rawValue }
}
