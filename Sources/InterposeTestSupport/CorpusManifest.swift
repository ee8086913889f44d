import Foundation

/// The public capture corpus in `fixtures/corpus` (or `$INTERPOSE_CORPUS`) and its MANIFEST.tsv,
/// which records tshark's reading of every file. `fixtures/corpus/README.md` lists each file's
/// source and licence.
public struct CorpusManifest: Sendable {
    /// One MANIFEST.tsv row.
    public struct Entry: Sendable, Hashable {
        /// The path relative to the corpus folder (`http1/zeek-get.pcap`).
        public var path: String
        /// capinfos' link type (`ether`, `linux-sll`...), or `-`.
        public var linkType: String
        /// capinfos' format (`pcap`, `nsecpcap`, `pcapng`, `unreadable`).
        public var format: String
        /// tshark's TCP conversation count.
        public var tcpConversations: Int
        /// Whether tshark read the file without complaint.
        public var tsharkOK: Bool
        /// What the file is.
        public var description: String
    }

    /// The corpus folder.
    public let directory: String
    /// Every row, in file order.
    public let entries: [Entry]

    /// The corpus folder: `$INTERPOSE_CORPUS`, else the repository's `fixtures/corpus`.
    public static var defaultDirectory: String {
        ProcessInfo.processInfo.environment["INTERPOSE_CORPUS"] ?? RepositoryFixtures.path("corpus")
    }

    /// Reads MANIFEST.tsv.
    /// - Throws: when the manifest is missing (the test fails naming the folder).
    public init(directory: String = CorpusManifest.defaultDirectory) throws {
        self.directory = directory
        let text = try String(contentsOfFile: directory + "/MANIFEST.tsv", encoding: .utf8)
        var rows: [Entry] = []
        for line in text.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cells.count >= 10 else { continue }
            rows.append(
                Entry(
                    path: cells[0], linkType: cells[4], format: cells[5], tcpConversations: Int(cells[7]) ?? 0,
                    tsharkOK: cells[8] == "yes", description: cells[9]))
        }
        entries = rows
    }

    /// The full path of an entry.
    public func path(of entry: Entry) -> String { directory + "/" + entry.path }
}
