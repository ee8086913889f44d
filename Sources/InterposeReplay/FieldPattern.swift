/// A field path with wildcards, as noise rules write it: `[*]` for any array index, `*` for any one
/// key (`json:$.items[*].id`, `json:$.*.ts`, `row[*].updated_at`). A pattern also covers what is
/// under the path it names: `json:$.meta` covers `json:$.meta.ts` and `json:$.meta[0]`, not
/// `json:$.metadata`.
///
/// Matched by hand on the path's bytes: glob libraries (`fnmatch`) give `[` a meaning of its own,
/// and translating to a regular expression would need escaping every other character.
struct FieldPattern: Sendable, Hashable {
    private enum Token: Sendable, Hashable {
        case byte(UInt8)
        case anyIndex
        case anyKey
    }

    private let tokens: [Token]

    /// A pattern from its text.
    init(_ text: String) {
        let bytes = Array(text.utf8)
        var tokens: [Token] = []
        var index = 0
        while index < bytes.count {
            if bytes[index...].starts(with: Array("[*]".utf8)) {
                tokens.append(.anyIndex)
                index += 3
            } else if bytes[index] == UInt8(ascii: "*") {
                tokens.append(.anyKey)
                index += 1
            } else {
                tokens.append(.byte(bytes[index]))
                index += 1
            }
        }
        self.tokens = tokens
    }

    /// Whether the field's path is the pattern's path or lies under it.
    func matches(_ path: String) -> Bool {
        matches(Array(path.utf8)[...], tokens[...])
    }

    private static let dot = UInt8(ascii: ".")
    private static let open = UInt8(ascii: "[")
    private static let close = UInt8(ascii: "]")

    private func matches(_ path: ArraySlice<UInt8>, _ tokens: ArraySlice<Token>) -> Bool {
        guard let token = tokens.first else {
            // The pattern is used up: the path ends here or continues below it.
            return path.isEmpty || path.first == Self.dot || path.first == Self.open
        }
        let rest = tokens.dropFirst()
        switch token {
        case .byte(let byte):
            return path.first == byte && matches(path.dropFirst(), rest)
        case .anyIndex:
            guard path.first == Self.open else { return false }
            let digits = path.dropFirst().prefix { (0x30...0x39).contains($0) }
            let after = path.dropFirst(1 + digits.count)
            return !digits.isEmpty && after.first == Self.close && matches(after.dropFirst(), rest)
        case .anyKey:
            let key = path.prefix { $0 != Self.dot && $0 != Self.open }
            guard !key.isEmpty else { return false }
            for length in (1...key.count).reversed() where matches(path.dropFirst(length), rest) {
                return true
            }
            return false
        }
    }
}
