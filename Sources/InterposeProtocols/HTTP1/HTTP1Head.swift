import InterposeCore

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
    /// Every header field in order, names as sent, values trimmed; only when parsed with
    /// `keepsFields` (the content decoder; the dissector needs none of them).
    var fields: [(name: String, value: String)] = []

    /// What is wrong with a head, for `http.malformed` findings.
    struct Problem: Error {
        var code = FindingCode.httpMalformed
        var reason: String
    }

    /// Parses a head (start line and fields, up to and including the empty line).
    /// - Parameter isRequest: whether it is a request (else a response).
    static func parse(_ text: String, isRequest: Bool) throws(Problem) -> HTTP1Head {
        var text = text
        let result: Result<HTTP1Head, Problem> = text.withUTF8 { bytes in
            Result { () throws(Problem) -> HTTP1Head in try parse(UnsafeRawBufferPointer(bytes), isRequest: isRequest) }
        }
        return try result.get()
    }

    /// Parses a head from its bytes, in place: Strings are made only for the parts kept (method,
    /// target, version, status, reason, and the few field values the dissector uses). Hand-written
    /// on bytes because this runs once per message and String's Character-level operations were
    /// most of the cost of dissecting HTTP.
    /// - Parameters:
    ///   - bytes: the head, up to and including its empty line (or cut short without one).
    ///   - isRequest: whether it is a request (else a response).
    ///   - keepsFields: whether to keep every header field in `fields`.
    static func parse(
        _ bytes: UnsafeRawBufferPointer, isRequest: Bool, keepsFields: Bool = false
    ) throws(Problem) -> HTTP1Head {
        var lineStart = 0
        func nextLine() -> Range<Int>? {
            guard lineStart < bytes.count else { return nil }
            var end = lineStart
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let next = end + 1
            if end > lineStart, bytes[end - 1] == 0x0D { end -= 1 }
            defer { lineStart = next }
            return lineStart..<end
        }
        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        guard let first = nextLine(), !first.isEmpty else { throw Problem(reason: "empty head") }
        var head: HTTP1Head
        // The start line's parts, split at single spaces.
        var parts: [Range<Int>] = []
        var partStart = first.lowerBound
        for index in first where bytes[index] == 0x20 && (isRequest || parts.count < 2) {
            parts.append(partStart..<index)
            partStart = index + 1
        }
        parts.append(partStart..<first.upperBound)
        if isRequest {
            guard parts.count == 3 else {
                throw Problem(reason: "request line is not 'METHOD TARGET HTTP/x.y': \(excerpt(text(first)))")
            }
            guard !parts[0].isEmpty, parts[0].allSatisfy({ isTokenByte(bytes[$0]) }) else {
                throw Problem(reason: "method is not a token: \(excerpt(text(first)))")
            }
            guard !parts[1].isEmpty else { throw Problem(reason: "empty request target") }
            guard isVersion(bytes, parts[2]) else {
                throw Problem(reason: "bad HTTP version '\(excerpt(text(parts[2])))'")
            }
            let version = text(parts[2])
            head = HTTP1Head(startLine: [text(parts[0]), text(parts[1]), version], version: version)
        } else {
            guard parts.count >= 2, isVersion(bytes, parts[0]) else {
                throw Problem(reason: "status line is not 'HTTP/x.y CODE REASON': \(excerpt(text(first)))")
            }
            guard parts[1].count == 3, parts[1].allSatisfy({ (0x30...0x39).contains(bytes[$0]) }) else {
                throw Problem(reason: "status code is not three digits: \(excerpt(text(first)))")
            }
            let version = text(parts[0])
            head = HTTP1Head(
                startLine: [version, text(parts[1]), parts.count > 2 ? text(parts[2]) : ""], version: version)
        }
        var length: Int64?
        var lastCoding: Range<Int>?
        while let line = nextLine(), !line.isEmpty {
            if bytes[line.lowerBound] == 0x20 || bytes[line.lowerBound] == 0x09 { continue }  // obs-fold
            guard let colon = line.first(where: { bytes[$0] == 0x3A }) else {
                throw Problem(reason: "header line without a colon: \(excerpt(text(line)))")
            }
            let name = line.lowerBound..<colon
            guard !name.isEmpty, name.allSatisfy({ isTokenByte(bytes[$0]) }) else {
                throw Problem(reason: "bad header field name '\(excerpt(text(name)))'")
            }
            head.fieldCount += 1
            let value = trimmed(bytes, colon + 1..<line.upperBound)
            if keepsFields { head.fields.append((text(name), text(value))) }
            switch name.count {
            case 14 where equalsLowercase(bytes, name, "content-length"):
                for item in split(bytes, value, at: 0x2C) {
                    let digits = trimmed(bytes, item)
                    guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ (0x30...0x39).contains(bytes[$0]) })
                    else {
                        throw Problem(
                            code: .httpBadContentLength,
                            reason: "Content-Length '\(excerpt(text(value)))' is not a number")
                    }
                    let parsed = digits.reduce(Int64(0)) { $0 * 10 + Int64(bytes[$1] - 0x30) }
                    if let length, length != parsed {
                        throw Problem(
                            code: .httpBadContentLength,
                            reason: "Content-Length fields disagree: \(min(length, parsed)), \(max(length, parsed))")
                    }
                    length = parsed
                }
            case 17 where equalsLowercase(bytes, name, "transfer-encoding"):
                if let last = split(bytes, value, at: 0x2C).last { lastCoding = trimmed(bytes, last) }
            case 10 where equalsLowercase(bytes, name, "connection"):
                if split(bytes, value, at: 0x2C).contains(where: { equalsLowercase(bytes, trimmed(bytes, $0), "close") }
                ) {
                    head.connectionClose = true
                }
            case 7 where equalsLowercase(bytes, name, "upgrade"):
                head.upgrade = text(value)
            case 10 where equalsLowercase(bytes, name, "request-id"),
                12 where equalsLowercase(bytes, name, "x-request-id"),
                16 where equalsLowercase(bytes, name, "x-correlation-id"):
                head.requestID = text(value)
            default:
                break
            }
        }
        head.contentLength = length
        if let lastCoding {
            if equalsLowercase(bytes, lastCoding, "chunked") {
                head.chunked = true
            } else {
                head.otherTransferCoding = true
            }
        }
        return head
    }

    private static func isVersion(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        guard range.count == 8 else { return false }
        let base = range.lowerBound
        return bytes[base] == 0x48 && bytes[base + 1] == 0x54 && bytes[base + 2] == 0x54 && bytes[base + 3] == 0x50
            && bytes[base + 4] == 0x2F && (0x30...0x39).contains(bytes[base + 5]) && bytes[base + 6] == 0x2E
            && (0x30...0x39).contains(bytes[base + 7])
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        tokenBytes[Int(byte)]
    }

    /// RFC 9110 tchar, as a table: this runs for every byte of every field name.
    private static let tokenBytes: [Bool] = (0..<256).map { byte in
        byte > 32 && byte < 127 && !Array("\"(),/:;<=>?@[\\]{}".utf8).contains(UInt8(byte))
    }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high, bytes[low] == 0x20 || bytes[low] == 0x09 { low += 1 }
        while high > low, bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09 { high -= 1 }
        return low..<high
    }

    private static func split(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, at separator: UInt8) -> [Range<Int>]
    {
        var parts: [Range<Int>] = []
        var start = range.lowerBound
        for index in range where bytes[index] == separator {
            parts.append(start..<index)
            start = index + 1
        }
        parts.append(start..<range.upperBound)
        return parts
    }

    /// Whether the bytes equal `lowercase` ignoring ASCII case.
    private static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: StaticString)
        -> Bool
    {
        guard range.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        var offset = 0
        for index in range {
            var byte = bytes[index]
            if byte >= 0x41 && byte <= 0x5A { byte |= 0x20 }
            if byte != expected[offset] { return false }
            offset += 1
        }
        return true
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
