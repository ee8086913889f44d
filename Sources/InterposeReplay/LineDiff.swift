/// A line-by-line diff of two texts, and its side-by-side rows for the HTML report.
///
/// Hand-written because Foundation has no diff for text: the common first and last lines are
/// trimmed, then the longest common subsequence of the remaining lines is found with the classic
/// dynamic-programming table (Hunt–McIlroy's idea without its refinements). The table is capped
/// at `maximumCells`; beyond that the differing middle is shown as all removed, then all added
/// (`isApproximate`), so a huge response cannot stall a report.
///
/// Lines are split at `\n`; a `\r` before it is dropped (HTTP heads end lines with CRLF), so the
/// diff shows content changes, not line-ending changes (the field table still reports those).
public struct LineDiff: Sendable, Hashable {
    /// One step of the edit script.
    public enum Edit: Sendable, Hashable {
        /// A line in both texts (0-based line numbers in each).
        case same(old: Int, new: Int)
        /// A line only in the old text.
        case removed(old: Int)
        /// A line only in the new text.
        case added(new: Int)
    }

    /// One row of the side-by-side view.
    public struct Row: Sendable, Hashable {
        /// How the row's two sides relate.
        public enum Kind: Sendable, Hashable {
            /// The same line on both sides.
            case same
            /// A removed line facing an added one.
            case changed
            /// A line only on the old side.
            case removed
            /// A line only on the new side.
            case added
            /// Unchanged lines left out (`skipped` of them).
            case gap
        }

        /// How the sides relate.
        public var kind: Kind
        /// The old line's number from 1; `nil` when the old side is empty.
        public var oldNumber: Int?
        /// The old line.
        public var oldText: String?
        /// The new line's number from 1; `nil` when the new side is empty.
        public var newNumber: Int?
        /// The new line.
        public var newText: String?
        /// For `gap`: how many unchanged lines were left out.
        public var skipped: Int
    }

    /// The most cells (old lines × new lines, after trimming) the table may have: about 16 MB.
    public static let maximumCells = 4_000_000

    /// The old text's lines.
    public let oldLines: [String]
    /// The new text's lines.
    public let newLines: [String]
    /// The edit script turning the old lines into the new ones, in order.
    public let edits: [Edit]
    /// Whether the texts were too large for an exact diff (the middle is all removed, then all added).
    public let isApproximate: Bool

    /// The diff of two texts.
    public init(old: String, new: String) {
        oldLines = Self.lines(old)
        newLines = Self.lines(new)
        (edits, isApproximate) = Self.diff(oldLines, newLines)
    }

    /// Whether the texts have the same lines.
    public var isEmpty: Bool {
        edits.allSatisfy { if case .same = $0 { return true } else { return false } }
    }

    /// The side-by-side rows: removed lines face the added lines that replace them; runs of more
    /// than `2 × context + 1` unchanged lines keep `context` lines on each side and become a gap.
    /// - Parameter context: unchanged lines kept next to a change; `nil` keeps every line.
    public func rows(context: Int? = 3) -> [Row] {
        var rows: [Row] = []
        var removed: [Int] = []
        var added: [Int] = []
        func flush() {
            for pair in 0..<max(removed.count, added.count) {
                let old = pair < removed.count ? removed[pair] : nil
                let new = pair < added.count ? added[pair] : nil
                let kind: Row.Kind = old != nil && new != nil ? .changed : old != nil ? .removed : .added
                rows.append(
                    Row(
                        kind: kind, oldNumber: old.map { $0 + 1 }, oldText: old.map { oldLines[$0] },
                        newNumber: new.map { $0 + 1 }, newText: new.map { newLines[$0] }, skipped: 0))
            }
            removed.removeAll()
            added.removeAll()
        }
        for edit in edits {
            switch edit {
            case .same(let old, let new):
                flush()
                rows.append(
                    Row(
                        kind: .same, oldNumber: old + 1, oldText: oldLines[old], newNumber: new + 1,
                        newText: newLines[new], skipped: 0))
            case .removed(let old): removed.append(old)
            case .added(let new): added.append(new)
            }
        }
        flush()
        guard let context else { return rows }
        return Self.collapse(rows, context: context)
    }

    private static func collapse(_ rows: [Row], context: Int) -> [Row] {
        var out: [Row] = []
        var index = 0
        while index < rows.count {
            guard rows[index].kind == .same else {
                out.append(rows[index])
                index += 1
                continue
            }
            var end = index
            while end < rows.count && rows[end].kind == .same { end += 1 }
            let keepBefore = index == 0 ? 0 : context
            let keepAfter = end == rows.count ? 0 : context
            if end - index > keepBefore + keepAfter + 1 {
                out.append(contentsOf: rows[index..<(index + keepBefore)])
                out.append(
                    Row(
                        kind: .gap, oldNumber: nil, oldText: nil, newNumber: nil, newText: nil,
                        skipped: end - index - keepBefore - keepAfter))
                out.append(contentsOf: rows[(end - keepAfter)..<end])
            } else {
                out.append(contentsOf: rows[index..<end])
            }
            index = end
        }
        return out
    }

    private static func lines(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        // Split on scalars: as Characters, "\r\n" is one grapheme and never equals "\n".
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.last == "\r" ? line.dropLast() : line[...])
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    private static func diff(_ old: [String], _ new: [String]) -> ([Edit], Bool) {
        var prefix = 0
        while prefix < old.count && prefix < new.count && old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix && suffix < new.count - prefix
            && old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        var edits = (0..<prefix).map { Edit.same(old: $0, new: $0) }
        let oldMiddle = prefix..<(old.count - suffix)
        let newMiddle = prefix..<(new.count - suffix)
        let n = oldMiddle.count
        let m = newMiddle.count
        var approximate = false
        if n > 0 && m > 0 && n <= maximumCells / m {
            // Lines as small integers, so the table compares numbers rather than strings.
            var ids: [String: Int32] = [:]
            func id(_ line: String) -> Int32 {
                if let known = ids[line] { return known }
                let next = Int32(ids.count)
                ids[line] = next
                return next
            }
            let a = old[oldMiddle].map(id)
            let b = new[newMiddle].map(id)
            // length[i * (m + 1) + j]: the longest common subsequence of a[i...] and b[j...].
            let width = m + 1
            var length = [UInt32](repeating: 0, count: (n + 1) * width)
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    length[i * width + j] =
                        a[i] == b[j]
                        ? length[(i + 1) * width + j + 1] + 1
                        : max(length[(i + 1) * width + j], length[i * width + j + 1])
                }
            }
            var i = 0
            var j = 0
            while i < n || j < m {
                if i < n && j < m && a[i] == b[j] {
                    edits.append(.same(old: prefix + i, new: prefix + j))
                    i += 1
                    j += 1
                } else if j == m || (i < n && length[(i + 1) * width + j] >= length[i * width + j + 1]) {
                    edits.append(.removed(old: prefix + i))
                    i += 1
                } else {
                    edits.append(.added(new: prefix + j))
                    j += 1
                }
            }
        } else {
            approximate = n > 0 && m > 0
            edits += oldMiddle.map { Edit.removed(old: $0) }
            edits += newMiddle.map { Edit.added(new: $0) }
        }
        edits += (0..<suffix).map { Edit.same(old: old.count - suffix + $0, new: new.count - suffix + $0) }
        return (edits, approximate)
    }
}
