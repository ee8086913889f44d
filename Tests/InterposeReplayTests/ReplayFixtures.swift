import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeReplay

/// Exchanges and protocol bytes for the comparison tests, built from literals.
enum ReplayFixtures {
    /// An exchange for a request, answered when `response` is given.
    static func exchange(
        _ application: ApplicationProtocol = .http1, key: String = "GET /users/{id}",
        summary: String = "GET /users/7 HTTP/1.1",
        fingerprint: UInt64 = 7, request: [UInt8] = [], response: [UInt8]?, code: String = "200",
        bodyFingerprint: UInt64 = 0, latency: Int64 = 1_000
    ) -> RecordedExchange {
        let message = Message(
            index: 0, role: .request, application: application, direction: .clientToServer,
            start: Timestamp(nanosecondsSinceEpoch: 0), end: Timestamp(nanosecondsSinceEpoch: 0), name: "GET",
            summary: summary, key: key, fingerprint: fingerprint)
        var exchange = RecordedExchange(request: message)
        exchange.requestContent = request
        if let response {
            var answer = RecordedExchange.Response(
                code: code, summary: code + " OK", bodyFingerprint: bodyFingerprint, bytes: Int64(response.count),
                latencyNanoseconds: latency)
            answer.content = response
            exchange.response = answer
        }
        return exchange
    }

    /// An HTTP/1.1 response with a Content-Length body.
    static func http(_ status: String = "200 OK", headers: [String] = [], body: String) -> [UInt8] {
        let head = (["HTTP/1.1 " + status] + headers + ["Content-Length: \(body.utf8.count)"]).joined(separator: "\r\n")
        return Array((head + "\r\n\r\n" + body).utf8)
    }

    /// An HTTP/1.1 JSON response.
    static func json(_ body: String, headers: [String] = []) -> [UInt8] {
        http(headers: ["Content-Type: application/json"] + headers, body: body)
    }
}

/// PostgreSQL backend messages, written out byte by byte: a type, an Int32 length counting itself,
/// the body.
struct PostgresBytes {
    private(set) var bytes: [UInt8] = []

    /// Appends a message.
    mutating func message(_ type: Character, _ body: [UInt8]) {
        bytes.append(type.asciiValue!)
        bytes += Self.int32(Int32(body.count + 4))
        bytes += body
    }

    static func int16(_ value: Int16) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    static func int32(_ value: Int32) -> [UInt8] {
        [
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }

    static func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

    /// RowDescription for text-format columns (or binary where `binary` says).
    mutating func rowDescription(_ names: [String], binary: Set<String> = []) {
        var body = Self.int16(Int16(names.count))
        for name in names {
            body +=
                Self.cString(name) + Self.int32(0) + Self.int16(0) + Self.int32(25) + Self.int16(-1) + Self.int32(-1)
            body += Self.int16(binary.contains(name) ? 1 : 0)
        }
        message("T", body)
    }

    /// DataRow; `nil` is NULL.
    mutating func dataRow(_ values: [[UInt8]?]) {
        var body = Self.int16(Int16(values.count))
        for value in values {
            if let value {
                body += Self.int32(Int32(value.count)) + value
            } else {
                body += Self.int32(-1)
            }
        }
        message("D", body)
    }

    mutating func commandComplete(_ tag: String) { message("C", Self.cString(tag)) }

    mutating func readyForQuery(_ status: Character) { message("Z", [status.asciiValue!]) }

    /// ErrorResponse or NoticeResponse with (code, value) fields.
    mutating func fields(_ type: Character, _ fields: [(Character, String)]) {
        message(type, fields.flatMap { [$0.0.asciiValue!] + Self.cString($0.1) } + [0])
    }
}
