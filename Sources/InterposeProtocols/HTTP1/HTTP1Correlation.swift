/// HTTP/1 for stateful replay: the values a response hands out (JSON leaves, `Set-Cookie` values,
/// `Location`, `ETag` and other header values) and requests rewritten with live values in the
/// target's path and query, header values and body, with `Content-Length` (or the chunk sizes)
/// written again.
enum HTTP1Correlation {
    /// Headers whose values describe the message rather than hand anything out.
    private static let descriptive: Set<String> = [
        "date", "content-length", "content-type", "connection", "transfer-encoding", "keep-alive", "server",
        "content-encoding", "vary", "accept-ranges",
    ]

    /// The values of a response: each header's (a cookie's value as `cookie:NAME`, an absolute
    /// `Location` as its path), then the body's JSON strings and integers by path.
    static func values(_ bytes: [UInt8]) -> [HandedValue] {
        guard let parts = HTTP1Content.parse(bytes), parts.status != nil else { return [] }
        var values: [HandedValue] = []
        for (name, value) in parts.headers {
            let lower = name.lowercased()
            guard !descriptive.contains(lower) else { continue }
            switch lower {
            case "set-cookie":
                let pair = value.split(separator: ";", maxSplits: 1).first ?? ""
                guard let equals = pair.firstIndex(of: "=") else { continue }
                let cookie = pair[..<equals].trimmingWhitespace
                values.append(
                    HandedValue(locator: "cookie:" + cookie, value: Array(pair[pair.index(after: equals)...].utf8)))
            case "location":
                values.append(HandedValue(locator: "header:location", value: Array(pathOf(value).utf8)))
            default:
                values.append(HandedValue(locator: "header:" + lower, value: Array(value.utf8)))
            }
        }
        guard !parts.body.isEmpty, let json = JSONValue.parse(parts.body) else { return values }
        leaves(of: json, at: "json:$", into: &values)
        return values
    }

    /// `https://host:8443/items/7?x=1` → `/items/7?x=1`; a relative reference as it is.
    private static func pathOf(_ location: String) -> String {
        guard let scheme = location.range(of: "://") else { return location }
        let rest = location[scheme.upperBound...]
        return rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
    }

    private static func leaves(of json: JSONValue, at path: String, into values: inout [HandedValue]) {
        switch json {
        case .object(let members):
            for key in members.keys.sorted() { leaves(of: members[key]!, at: path + "." + key, into: &values) }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                leaves(of: element, at: path + "[\(index)]", into: &values)
            }
        case .string(let text):
            values.append(HandedValue(locator: path, value: Array(text.utf8)))
        case .integer(let text):
            values.append(HandedValue(locator: path, value: Array(text.utf8)))
        case .number, .bool, .null:
            break
        }
    }

    /// The requests of a client write with the substitutions made.
    static func rewrite(_ bytes: [UInt8], _ substitutions: [ValueSubstitution]) -> RequestRewrite {
        var places = Array(repeating: [String](), count: substitutions.count)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var index = 0
        while index < bytes.count {
            guard let headEnd = endOfHead(bytes, from: index) else { break }
            var lines = split(bytes[index..<(headEnd - 4)])
            guard !lines.isEmpty else { break }
            lines[0] = requestLine(lines[0], substitutions, &places)
            var lengthLine: Int?
            var chunked = false
            var declared: Int?
            for line in 1..<lines.count {
                guard let colon = lines[line].firstIndex(of: UInt8(ascii: ":")) else { continue }
                let name = String(decoding: lines[line][..<colon], as: UTF8.self).lowercased()
                let value = Array(lines[line][(colon + 1)...])
                if name == "content-length" {
                    lengthLine = line
                    declared = Int(String(decoding: value, as: UTF8.self).trimmingWhitespace)
                    continue
                }
                if name == "transfer-encoding", String(decoding: value, as: UTF8.self).lowercased().contains("chunked")
                {
                    chunked = true
                }
                lines[line] =
                    Array(lines[line][...colon])
                    + ValueReplacement.replace(value, substitutions, place: "header:" + name, places: &places)
            }
            var body: [UInt8] = []
            var next = headEnd
            var bodyRewritten = false
            if chunked {
                var consumed = 0
                let rest = Array(bytes[headEnd...])
                let data = HTTP1Content.dechunk(rest, consumed: &consumed)
                if isCompleteChunked(rest, consumed: consumed) {
                    let replaced = ValueReplacement.replace(data, substitutions, place: "body", places: &places)
                    if replaced != data {
                        body =
                            Array(String(replaced.count, radix: 16).utf8) + crlf + replaced + crlf
                            + Array("0\r\n\r\n".utf8)
                    } else {
                        body = Array(rest[..<consumed])
                    }
                    next = headEnd + consumed
                } else {
                    body = rest
                    next = bytes.count
                }
            } else if let declared, declared > 0 {
                if headEnd + declared <= bytes.count {
                    body = ValueReplacement.replace(
                        bytes[headEnd..<(headEnd + declared)], substitutions, place: "body", places: &places)
                    next = headEnd + declared
                    bodyRewritten = true
                } else {
                    // The body goes on in a later write: its length must stay as recorded.
                    body = Array(bytes[headEnd...])
                    next = bytes.count
                }
            }
            if let lengthLine, let colon = lines[lengthLine].firstIndex(of: UInt8(ascii: ":")) {
                let length = bodyRewritten ? Array(" \(body.count)".utf8) : Array(lines[lengthLine][(colon + 1)...])
                lines[lengthLine] = Array(lines[lengthLine][...colon]) + length
            }
            for line in lines {
                out += line
                out += crlf
            }
            out += crlf
            out += body
            index = next
        }
        out += bytes[index...]
        return RequestRewrite(bytes: out, places: places)
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    /// Just past the `\r\n\r\n` that ends the head starting at `from`; `nil` when it is not in the bytes.
    private static func endOfHead(_ bytes: [UInt8], from: Int) -> Int? {
        var index = from
        while index + 3 < bytes.count {
            if bytes[index] == 0x0D, bytes[index + 1] == 0x0A, bytes[index + 2] == 0x0D, bytes[index + 3] == 0x0A {
                return index + 4
            }
            index += 1
        }
        return nil
    }

    private static func split(_ head: ArraySlice<UInt8>) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = head.startIndex
        while index < head.endIndex {
            if head[index] == 0x0D, index + 1 < head.endIndex, head[index + 1] == 0x0A {
                lines.append(current)
                current = []
                index += 2
                continue
            }
            current.append(head[index])
            index += 1
        }
        lines.append(current)
        return lines
    }

    /// `GET /items/7?x=7 HTTP/1.1` with the path and the query rewritten apart.
    private static func requestLine(
        _ line: [UInt8], _ substitutions: [ValueSubstitution], _ places: inout [[String]]
    ) -> [UInt8] {
        guard let first = line.firstIndex(of: 0x20), let last = line.lastIndex(of: 0x20), first < last else {
            return line
        }
        let target = line[(first + 1)..<last]
        let question = target.firstIndex(of: UInt8(ascii: "?")) ?? target.endIndex
        var rewritten = Array(line[...first])
        rewritten += ValueReplacement.replace(target[..<question], substitutions, place: "path", places: &places)
        rewritten += ValueReplacement.replace(target[question...], substitutions, place: "query", places: &places)
        rewritten += line[last...]
        return rewritten
    }

    /// Whether a chunked body's last chunk and trailers were all in the bytes: what the de-chunking
    /// consumed ends with the empty line after them.
    private static func isCompleteChunked(_ bytes: [UInt8], consumed: Int) -> Bool {
        consumed >= 5 && consumed <= bytes.count && Array(bytes[(consumed - 4)..<consumed]) == [0x0D, 0x0A, 0x0D, 0x0A]
    }
}
