import Foundation
import InterposeTestSupport
import XCTest

/// One HTTP response as curl received it (`curl -si`), with its JSON body parsed.
struct CurlReply {
    /// The status code.
    var status: Int
    /// The headers in the order they came.
    var headers: [(name: String, value: String)]
    /// The body bytes as text.
    var body: String

    /// curl printed something that is not the responses expected.
    struct ParseError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The body as a JSON object.
    var json: [String: Any] {
        get throws {
            let object = try JSONSerialization.jsonObject(with: Data(body.utf8))
            guard let dictionary = object as? [String: Any] else {
                throw CurlReply.ParseError("body is not a JSON object: \(body)")
            }
            return dictionary
        }
    }

    /// The first value of a header (names compare case-insensitively).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Runs `curl -si` with `arguments` (URLs, `-X POST`, ...) and splits what it printed into
    /// responses: several URLs in one call share one keep-alive connection.
    static func fetch(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> [CurlReply] {
        let result = try ProcessRunner.run("curl", ["-si", "--max-time", "10"] + arguments, timeout: 30)
        XCTAssertEqual(result.status, 0, "curl \(arguments): \(result.stderrText)", file: file, line: line)
        return try parse(result.stdoutText)
    }

    /// Runs `curl -si URL` for one response.
    static func fetchOne(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CurlReply
    {
        let replies = try fetch(arguments, file: file, line: line)
        guard replies.count == 1, let reply = replies.first else {
            throw CurlReply.ParseError("expected one response from curl \(arguments), got \(replies.count)")
        }
        return reply
    }

    /// Splits `curl -si` output into responses, using each `Content-Length`.
    static func parse(_ text: String) throws -> [CurlReply] {
        var rest = Substring(text)
        var replies = [CurlReply]()
        while !rest.isEmpty {
            guard let end = rest.range(of: "\r\n\r\n") else {
                throw CurlReply.ParseError("no end of headers in: \(rest)")
            }
            let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
            let statusParts = lines[0].split(separator: " ")
            guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
                throw CurlReply.ParseError("bad status line: \(lines[0])")
            }
            let headers = lines.dropFirst().map { line -> (name: String, value: String) in
                let colon = line.firstIndex(of: ":") ?? line.endIndex
                let value = line[colon...].dropFirst().trimmingCharacters(in: .whitespaces)
                return (String(line[..<colon]), value)
            }
            let length = Int(headers.first { $0.name.lowercased() == "content-length" }?.value ?? "0") ?? 0
            let bodyBytes = Array(rest[end.upperBound...].utf8.prefix(length))
            guard bodyBytes.count == length else {
                throw CurlReply.ParseError("body shorter than Content-Length \(length)")
            }
            let body = String(decoding: bodyBytes, as: UTF8.self)
            replies.append(CurlReply(status: status, headers: headers, body: body))
            rest = Substring(rest[end.upperBound...].utf8.dropFirst(length))
        }
        return replies
    }
}
