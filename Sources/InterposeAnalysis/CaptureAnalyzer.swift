import InterposeCore
import InterposeProtocols
import InterposeReader

/// Runs the offline analysis of one capture file: the library side of `interpose analyze`.
public enum CaptureAnalyzer {
    /// Reads and analyses a capture file.
    /// - Parameters:
    ///   - path: the pcap or pcapng file.
    ///   - filter: a BPF expression; only matching packets are analysed.
    ///   - forced: read every conversation as this protocol instead of detecting it.
    ///   - portHints: protocols by server port, tried before detection by content.
    ///   - settings: reassembly limits.
    ///   - progress: called now and then with the bytes read so far and the file size.
    /// - Returns: the report.
    /// - Throws: `CaptureReadError` when the file cannot be read at all.
    public static func analyze(
        path: String, filter: String? = nil, forced: ApplicationProtocol? = nil,
        portHints: [UInt16: ApplicationProtocol] = [:],
        settings: TCPReassembler.Settings = TCPReassembler.Settings(),
        progress: ((_ done: Int64, _ total: Int64) -> Void)? = nil
    ) throws(CaptureReadError) -> AnalysisReport {
        let reader = try CaptureReader(path: path, filter: filter)
        var collector = AnalysisCollector(forced: forced, portHints: portHints)
        let total = reader.fileSize
        let statistics = reader.read(
            into: &collector, settings: settings, progress: progress.map { report in { report($0, total) } })
        collector.finish()
        return AnalysisReport(
            path: path, format: reader.format, linkType: reader.linkType, fileSize: reader.fileSize, filter: filter,
            statistics: statistics, conversations: collector.conversations.sorted { $0.id < $1.id },
            findings: collector.findings, endpoints: collector.endpoints)
    }
}
