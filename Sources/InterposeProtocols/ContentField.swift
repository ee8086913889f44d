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

    /// A field from its parts.
    public init(path: String, value: String) {
        self.path = path
        self.value = value
    }
}
