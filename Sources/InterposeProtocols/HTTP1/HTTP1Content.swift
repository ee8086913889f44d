import NIOCore

/// HTTP/1 messages as fields and text: status, headers, the body de-chunked and, when it is JSON,
/// flattened to one field per value.
///
/// Heads are read by the dissector's `HTTP1Head` (with every field kept), so a head the dissector
/// calls malformed is not decoded here either: its bytes become one `bytes` field. Bodies are framed
/// by the head as the dissector frames them (no body for 1xx, 204 and 304, chunked, Content-Length,
/// else the rest), within the bytes recorded.
enum HTTP1Content {
    /// A message split into its parts.
    struct Parts {
        /// `HTTP/1.1 200 OK` or `GET / HTTP/1.1`, as sent.
        var startLine: String
        /// The status code of a response; `nil` for a request.
        var status: String?
        /// Header fields in order, names as sent.
        var headers: [(name: String, value: String)]
        /// The body, de-chunked.
        var body: [UInt8]
    }

    /// The fields of a response; `nil` when the bytes do not start with a status line.
    static func fields(_ bytes: [UInt8]) -> [ContentField]? {
        guard let parts = parse(bytes), let status = parts.status else { return nil }
        return fields(status: status, headers: parts.headers, body: parts.body)
    }

    /// The fields of a response from its parts, as HTTP/1 and HTTP/2 share them: `status`, one
    /// `header:NAME` per header name (repeats joined by `, `), and the body flattened by JSON path
    /// when it is JSON (by its Content-Type, or by its looks when it is an object or array), else
    /// one `body` field.
    static func fields(status: String, headers: [(name: String, value: String)], body: [UInt8]) -> [ContentField] {
        var fields = [ContentField(path: "status", value: status, statusClass: status)]
        var seen: [String: Int] = [:]
        for (name, value) in headers {
            let path = "header:" + name.lowercased()
            if let at = seen[path] {
                fields[at].value += ", " + value
            } else {
                seen[path] = fields.count
                fields.append(ContentField(path: path, value: value))
            }
        }
        guard !body.isEmpty else { return fields }
        let contentType = headers.filter { $0.name.lowercased() == "content-type" }.map(\.value).joined(separator: ", ")
        let saysJSON = contentType.lowercased().contains("json")
        let json = saysJSON || looksLikeJSON(body) ? JSONValue.parse(body) : nil
        if let json, saysJSON || json.isContainer {
            json.flattened(into: &fields)
        } else {
            fields.append(ContentField(path: "body", value: ByteText.value(body, keepText: true)))
        }
        return fields
    }

    /// The message as text: its head, an empty line and the body (de-chunked; escaped when it is
    /// not UTF-8).
    static func text(_ bytes: [UInt8]) -> String? {
        guard let parts = parse(bytes), parts.startLine.contains("HTTP/") else { return nil }
        var text = ([parts.startLine] + parts.headers.map { $0.name + ": " + $0.value }).joined(separator: "\n")
        if !parts.body.isEmpty {
            text += "\n\n" + (String(validating: parts.body, as: UTF8.self) ?? ByteText.escaped(parts.body))
        }
        return text
    }

    /// Splits a message into start line, headers and body; skips interim (1xx) responses before the
    /// final one. `nil` when there is no start line.
    static func parse(_ bytes: [UInt8]) -> Parts? {
        var start = 0
        while true {
            guard let parts = parse(bytes, from: &start) else { return nil }
            if let status = parts.status, status.hasPrefix("1"), status != "101", start < bytes.count {
                continue
            }
            return parts
        }
    }

    private static func parse(_ bytes: [UInt8], from start: inout Int) -> Parts? {
        guard start < bytes.count else { return nil }
        let isResponse = bytes[start...].starts(with: "HTTP/".utf8)
        // The head ends after its empty line. A head cut short (the capture stopped in it) is read up to
        // its last complete line, and there is no body.
        let complete = ByteBuffer(bytes: bytes[start...]).headLength(limit: .max).map { start + $0 }
        let headEnd = complete ?? bytes.count
        let readable = complete ?? bytes[start...].lastIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count
        let parsed = bytes[start..<readable].withUnsafeBytes { raw in
            Result { () throws(HTTP1Head.Problem) in
                try HTTP1Head.parse(raw, isRequest: !isResponse, keepsFields: true)
            }
        }
        guard case .success(let head) = parsed else { return nil }
        var lineEnd = bytes[start..<headEnd].firstIndex(of: 0x0A) ?? headEnd
        if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        var parts = Parts(
            startLine: String(decoding: bytes[start..<lineEnd], as: UTF8.self),
            status: isResponse ? head.startLine[1] : nil, headers: head.fields, body: [])
        let rest = Array(bytes[headEnd...])
        if parts.status.map({ $0.hasPrefix("1") || $0 == "204" || $0 == "304" }) ?? false {
            start = headEnd
        } else if head.chunked {
            var consumed = 0
            parts.body = dechunk(rest, consumed: &consumed)
            start = headEnd + consumed
        } else if let length = head.contentLength {
            parts.body = Array(rest.prefix(Int(clamping: length)))
            start = headEnd + parts.body.count
        } else {
            parts.body = rest
            start = bytes.count
        }
        return parts
    }

    /// The data of a chunked body; what follows a malformed size line is kept as it is.
    static func dechunk(_ bytes: [UInt8], consumed: inout Int) -> [UInt8] {
        var body: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let newline = bytes[index...].firstIndex(of: 0x0A) else { break }
            let line = String(decoding: bytes[index..<newline], as: UTF8.self)
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map { String($0).trimmingWhitespace } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0, size <= bytes.count else {
                body += bytes[index...]
                index = bytes.count
                break
            }
            index = newline + 1
            if size == 0 {
                // Trailer fields up to the empty line end the body.
                while index < bytes.count, let end = bytes[index...].firstIndex(of: 0x0A) {
                    let empty = end == index || (end == index + 1 && bytes[index] == 0x0D)
                    index = end + 1
                    if empty { break }
                }
                break
            }
            let end = min(bytes.count, index + size)
            body += bytes[index..<end]
            index = end
            if index < bytes.count, bytes[index] == 0x0D { index += 1 }
            if index < bytes.count, bytes[index] == 0x0A { index += 1 }
        }
        consumed = index
        return body
    }

    private static func looksLikeJSON(_ body: [UInt8]) -> Bool {
        guard let first = body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return false }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" || first == "\r" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        return String(text)
    }
}

extension Substring {
    var trimmingWhitespace: String { String(self).trimmingWhitespace }
}
