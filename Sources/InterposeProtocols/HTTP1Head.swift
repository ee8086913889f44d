/// The start line and header fields of an HTTP/1.x request or response, as far as the dissector
/// needs them: framing (Content-Length, Transfer-Encoding), connection management and correlation.
struct HTTP1Head {
    /// Request: method, target, version. Response: version, status code, reason.
    var startLine: [String]
    var version: String
    var contentLength: Int64?
    var chunked = false
    /// Transfer-Encoding present with a final coding other than chunked.
    var otherTransferCoding = false
    var connectionClose = false
    var upgrade: String?
    var requestID: String?
    var fieldCount = 0

    /// What is wrong with a head, for `http.malformed` findings.
    struct Problem: Error {
        var code = "http.malformed"
        var reason: String
    }

    /// Parses a head (start line and fields, up to and including the empty line).
    /// - Parameter isRequest: whether it is a request (else a response).
    static func parse(_ text: String, isRequest: Bool) throws(Problem) -> HTTP1Head {
        // "\r\n" is one Character in Swift: split on it and on a bare "\n".
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\r\n" || $0 == "\n" })
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let first = lines.first else { throw Problem(reason: "empty head") }
        var head: HTTP1Head
        if isRequest {
            let parts = first.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 3 else {
                throw Problem(reason: "request line is not 'METHOD TARGET HTTP/x.y': \(excerpt(first))")
            }
            guard !parts[0].isEmpty, parts[0].allSatisfy(isTokenCharacter) else {
                throw Problem(reason: "method is not a token: \(excerpt(first))")
            }
            guard !parts[1].isEmpty else { throw Problem(reason: "empty request target") }
            guard isVersion(parts[2]) else { throw Problem(reason: "bad HTTP version '\(excerpt(parts[2]))'") }
            head = HTTP1Head(startLine: parts.map(String.init), version: String(parts[2]))
        } else {
            let parts = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, isVersion(parts[0]) else {
                throw Problem(reason: "status line is not 'HTTP/x.y CODE REASON': \(excerpt(first))")
            }
            guard parts[1].count == 3, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw Problem(reason: "status code is not three digits: \(excerpt(first))")
            }
            head = HTTP1Head(
                startLine: [String(parts[0]), String(parts[1]), parts.count > 2 ? String(parts[2]) : ""],
                version: String(parts[0]))
        }
        var lengths: Set<Int64> = []
        var codings: [Substring] = []
        for line in lines.dropFirst() {
            if line.first == " " || line.first == "\t" { continue }  // obs-fold: part of the previous field
            guard let colon = line.firstIndex(of: ":") else {
                throw Problem(reason: "header line without a colon: \(excerpt(line))")
            }
            let name = line[..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenCharacter) else {
                throw Problem(reason: "bad header field name '\(excerpt(name))'")
            }
            head.fieldCount += 1
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch name.lowercased() {
            case "content-length":
                for item in value.split(separator: ",") {
                    let digits = item.trimmingSpaces()
                    guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                        let length = Int64(digits)
                    else {
                        throw Problem(code: "http.bad-content-length", reason: "Content-Length '\(excerpt(value))' is not a number")
                    }
                    lengths.insert(length)
                }
            case "transfer-encoding":
                codings += value.split(separator: ",").map { $0.trimmingSpaces() }
            case "connection":
                let tokens = value.lowercased().split(separator: ",").map { $0.trimmingSpaces() }
                if tokens.contains("close") { head.connectionClose = true }
            case "upgrade":
                head.upgrade = String(value)
            case "x-request-id", "x-correlation-id", "request-id":
                head.requestID = String(value)
            default:
                break
            }
        }
        if lengths.count > 1 {
            throw Problem(
                code: "http.bad-content-length",
                reason: "Content-Length fields disagree: \(lengths.sorted().map(String.init).joined(separator: ", "))")
        }
        head.contentLength = lengths.first
        if let last = codings.last {
            if last.lowercased() == "chunked" { head.chunked = true } else { head.otherTransferCoding = true }
        }
        return head
    }

    static func isVersion(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 8 && text.hasPrefix("HTTP/") && bytes[6] == UInt8(ascii: ".")
            && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[5])
            && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[7])
    }

    static func isTokenCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue, ascii > 32, ascii < 127 else { return false }
        return !"\"(),/:;<=>?@[\\]{}".utf8.contains(ascii)
    }

    static func excerpt<S: StringProtocol>(_ text: S) -> String {
        // Most texts are short printable ASCII: kept as they are.
        if text.utf8.count <= 60, text.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }) { return String(text) }
        let clean = text.unicodeScalars.map { $0.value >= 32 && $0.value < 127 ? Character($0) : "." }
        return clean.count > 60 ? String(clean.prefix(60)) + "..." : String(clean)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
