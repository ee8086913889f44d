/// Whether a request path segment names one thing rather than a route: such segments become
/// `{id}` in request keys (`GET /items/itm_0c5c7fd0` → `GET /items/{id}`), so statistics, latency
/// and noise group by endpoint. HTTP/1 and HTTP/2 keys, and so `analyze`'s endpoint statistics and
/// replay's keys, all come from `HTTP1Dissector.normalizedPath`, which asks this.
///
/// An identifier is a number (`42`), hex with a digit and at least 8 characters (`0c5c7fd0`), a
/// UUID or any 16 hex digits and dashes, a base64-like token (`dQw4w9WgXcQ`: at least 10
/// characters of `A-Z a-z 0-9 _ - + =` with a digit, an upper- and a lower-case letter; or 16
/// letters and digits with at least 3 digits), or one of those behind a short prefix (`itm_0c5c7fd0`,
/// `cus_NffrFeUfNV2Hib`, `user_42`, `order-9f8e7d6c`). Words and slugs are not
/// (`users`, `v2`, `api-v1`, `release-2024`, `deadbeef`).
enum PathIdentifier {
    /// The longest prefix before `_` or `-` that may stand in front of an identifier.
    static let prefixLimit = 16

    /// Whether `segment` is an identifier.
    static func isIdentifier(_ segment: Substring) -> Bool {
        guard !segment.isEmpty, segment.allSatisfy(\.isASCII) else { return false }
        if isNumber(segment) || isHex(segment) || isToken(segment) { return true }
        return isPrefixed(segment)
    }

    private static func isNumber(_ segment: Substring) -> Bool {
        segment.allSatisfy(\.isNumber)
    }

    /// Hex with a digit (8 or more), or 16 or more hex digits and dashes (a UUID, a long hash).
    private static func isHex(_ segment: Substring) -> Bool {
        if segment.count >= 16, segment.allSatisfy({ $0.isHexDigit || $0 == "-" }),
            segment.contains(where: \.isHexDigit)
        {
            return true
        }
        return segment.count >= 8 && segment.allSatisfy(\.isHexDigit) && segment.contains(where: \.isNumber)
    }

    /// A base64-like (URL-safe alphabet) or base36-like token.
    private static func isToken(_ segment: Substring) -> Bool {
        let hasDigit = segment.contains(where: \.isNumber)
        let hasUpper = segment.contains(where: \.isUppercase)
        let hasLower = segment.contains(where: \.isLowercase)
        if segment.count >= 10, hasDigit, hasUpper, hasLower,
            segment.allSatisfy({ $0.isLetter || $0.isNumber || "_-+=".contains($0) })
        {
            return true
        }
        return segment.count >= 16 && segment.filter(\.isNumber).count >= 3 && (hasUpper || hasLower)
            && segment.allSatisfy { $0.isLetter || $0.isNumber }
    }

    /// `prefix_ID` (any identifier, prefixes may nest: `sk_live_...`) or `prefix-ID` (hex or a
    /// token only, so that a slug ending in a year stays a slug).
    private static func isPrefixed(_ segment: Substring) -> Bool {
        guard let separator = segment.firstIndex(where: { $0 == "_" || $0 == "-" }) else { return false }
        let prefix = segment[..<separator]
        let rest = segment[segment.index(after: separator)...]
        guard !prefix.isEmpty, prefix.count <= prefixLimit, prefix.allSatisfy(\.isLetter), !rest.isEmpty else {
            return false
        }
        if segment[separator] == "_" { return isIdentifier(rest) }
        return isHex(rest) || isToken(rest)
    }
}
