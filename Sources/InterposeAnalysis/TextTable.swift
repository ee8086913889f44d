/// An aligned plain-text table: a header row and rows of cells, columns padded to their widest cell.
public struct TextTable {
    /// How a column's cells are aligned.
    public enum Alignment: Sendable {
        case left
        case right
    }

    private let headers: [String]
    private let alignments: [Alignment]
    private var rows: [[String]] = []

    /// A table with these column headers and alignments (left when not given).
    public init(headers: [String], alignments: [Alignment] = []) {
        self.headers = headers
        self.alignments = headers.indices.map { $0 < alignments.count ? alignments[$0] : .left }
    }

    /// Adds a row (missing cells are empty; extra cells are dropped).
    public mutating func add(_ cells: [String]) {
        rows.append(headers.indices.map { $0 < cells.count ? cells[$0] : "" })
    }

    /// The table, each line indented by `indent` spaces, without trailing spaces.
    public func render(indent: Int = 2) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) }
        }
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        for row in [headers] + rows {
            var line = ""
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if column > 0 { line += "  " }
                line += alignments[column] == .right ? padding + cell : cell + padding
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(margin + line)
        }
        return lines.joined(separator: "\n")
    }
}
