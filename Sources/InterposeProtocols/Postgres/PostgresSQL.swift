/// What statistics and people need of a SQL text: a one-line excerpt and its statement kind.
enum PostgresSQL {
    /// Characters of SQL in a summary.
    static let excerptLength = 80

    /// Statements whose kind takes a second word: `CREATE TABLE`, `DROP INDEX`, `ALTER SEQUENCE`.
    private static let twoWordKinds: Set<String> = ["CREATE", "DROP", "ALTER", "COMMENT", "REFRESH"]
    /// Second words skipped to find the object kind: `CREATE OR REPLACE FUNCTION`, `CREATE UNIQUE INDEX`.
    private static let modifiers: Set<String> = [
        "OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "MATERIALIZED", "IF",
        "NOT", "EXISTS", "RECURSIVE", "TRUSTED", "PROCEDURAL", "DEFAULT", "CONSTRAINT",
    ]

    /// The text on one line (whitespace runs made one space, control characters dropped), cut to
    /// `excerptLength` characters with `...`.
    static func excerpt(_ sql: String, truncated: Bool = false) -> String {
        if let ascii = asciiExcerpt(sql, truncated: truncated) { return ascii }
        var result = ""
        var pendingSpace = false
        var count = 0
        for scalar in sql.unicodeScalars {
            if scalar == " " || scalar == "\n" || scalar == "\r" || scalar == "\t" {
                pendingSpace = !result.isEmpty
                continue
            }
            if scalar.value < 0x20 || scalar.value == 0x7F { continue }
            if count >= excerptLength { return result + "..." }
            if pendingSpace {
                result.unicodeScalars.append(" ")
                count += 1
                pendingSpace = false
                if count >= excerptLength { return result + "..." }
            }
            result.unicodeScalars.append(scalar)
            count += 1
        }
        return truncated ? result + "..." : result
    }

    /// `excerpt` on bytes for ASCII text (the usual case); `nil` when the text is not ASCII.
    private static func asciiExcerpt(_ sql: String, truncated: Bool) -> String? {
        var bytes = [UInt8]()
        bytes.reserveCapacity(excerptLength + 3)
        var pendingSpace = false
        for byte in sql.utf8 {
            if byte >= 0x80 { return nil }
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                pendingSpace = !bytes.isEmpty
                continue
            }
            if byte < 0x20 || byte == 0x7F { continue }
            if bytes.count >= excerptLength { return String(decoding: bytes, as: UTF8.self) + "..." }
            if pendingSpace {
                bytes.append(0x20)
                pendingSpace = false
                if bytes.count >= excerptLength { return String(decoding: bytes, as: UTF8.self) + "..." }
            }
            bytes.append(byte)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return truncated ? text + "..." : text
    }

    /// The statement kind, uppercased: `SELECT`, `INSERT`, `BEGIN`, `CREATE TABLE`; leading
    /// comments and parentheses aside; `(empty)` when there is no word.
    static func kind(_ sql: String) -> String {
        // One word is enough unless it is one of the two-word kinds.
        let firstWord = leadingWords(sql, limit: 1)
        guard let leading = firstWord.first, twoWordKinds.contains(leading) else { return firstWord.first ?? "(empty)" }
        let words = leadingWords(sql, limit: 6)
        guard let first = words.first else { return "(empty)" }
        if twoWordKinds.contains(first) {
            if let object = words.dropFirst().first(where: { !modifiers.contains($0) }) {
                return first + " " + object
            }
        }
        return first
    }

    /// Letters and `_` (and digits after the first character); ASCII answered without Unicode
    /// property lookups, which were most of the cost of reading a query.
    private static func isWordScalar(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            let letter = (value | 0x20) >= 0x61 && (value | 0x20) <= 0x7A
            return letter || value == 0x5F || (!first && value >= 0x30 && value <= 0x39)
        }
        return scalar.properties.isAlphabetic || (!first && scalar.properties.numericType != nil)
    }

    /// The first `limit` words made of letters and `_`, uppercased, skipping comments and punctuation.
    private static func leadingWords(_ sql: String, limit: Int) -> [String] {
        var words: [String] = []
        var word = ""
        let scalars = Array(sql.unicodeScalars.prefix(limit == 1 ? 256 : 1024))
        var index = 0
        func flush() {
            if !word.isEmpty { words.append(word.uppercased()) }
            word = ""
        }
        while index < scalars.count, words.count < limit {
            let scalar = scalars[index]
            if scalar == "-", index + 1 < scalars.count, scalars[index + 1] == "-" {
                flush()
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
                continue
            }
            if scalar == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                flush()
                index += 2
                while index + 1 < scalars.count, !(scalars[index] == "*" && scalars[index + 1] == "/") { index += 1 }
                index += 2
                continue
            }
            if isWordScalar(scalar, first: word.isEmpty) {
                word.unicodeScalars.append(scalar)
            } else if words.isEmpty && word.isEmpty
                && (scalar == "(" || scalar == " " || scalar == "\n" || scalar == "\t" || scalar == "\r"
                    || scalar == ";")
            {
                // Leading punctuation: `(SELECT ...)`, a stray `;`.
            } else {
                flush()
                if !words.isEmpty && scalar != " " && scalar != "\n" && scalar != "\t" && scalar != "\r" { break }
            }
            index += 1
        }
        if words.count < limit { flush() }
        return words
    }
}
