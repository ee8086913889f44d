/// One comparable part of a decoded message: an HTTP status, header or trailer, a JSON value by
/// path, a gRPC status or protobuf field, a Redis reply element, a PostgreSQL cell, or raw bytes.
///
/// The path is written the way `--ignore` names it, so a difference can be silenced by copying its
/// field: `status`, `header:content-type`, `json:$.user.name`, `json:$.items[2].id`, `body`,
/// `trailer:x-trace`, `grpc-status`, `grpc:5.2`, `grpc[1]:$.address.zip`, `reply`, `reply[1]`,
/// `error`, `row[0].name`, `tag`, `bytes`.
public struct ContentField: Sendable, Hashable {
    /// Where in the message the value is.
    public var path: String
    /// The value as text: JSON scalars as JSON (`"bob"`, `42`, `null`), bytes as escaped text.
    public var value: String
    /// The status or error class this field carries, when it is one: the HTTP status code (`503`),
    /// the Redis error's prefix (`NOAUTH`, `ERR`), the PostgreSQL SQLSTATE (`28P01`), the MQTT
    /// return or reason code (`5`); `nil` for content. Each protocol's content decoder marks its own.
    ///
    /// Replay never learns a status as noise, and a baseline whose statuses differ from the
    /// recording's does not reproduce that message.
    public var statusClass: String?

    /// A field from its parts.
    public init(path: String, value: String, statusClass: String? = nil) {
        self.path = path
        self.value = value
        self.statusClass = statusClass
    }

    /// Whether the field is a status or error class (`statusClass` is set).
    public var isStatus: Bool { statusClass != nil }
}
