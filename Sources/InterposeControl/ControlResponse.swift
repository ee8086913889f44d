import Foundation
import Hummingbird
import NIOCore

/// The control API's responses: JSON bodies, Toxiproxy's error shape.
enum ControlResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// `value` as JSON with `status`.
    static func json<Value: Encodable>(_ value: Value, status: Int = 200) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"error": MESSAGE, "status": CODE}` with that status.
    static func error(_ error: ControlError) -> Response {
        (try? json(ErrorBody(error: error.message, status: error.status), status: error.status))
            ?? Response(status: .internalServerError)
    }

    /// 204 with no body.
    static func noContent() -> Response {
        Response(status: .noContent)
    }

    /// Plain text (the Prometheus exposition).
    static func text(_ text: String, contentType: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Toxiproxy's error body.
    struct ErrorBody: Encodable {
        var error: String
        var status: Int
    }
}
