import InterposeCore
import InterposeProtocols
import InterposeReader

/// Runs the analysis of a live capture: the library side of `interpose sniff`.
///
/// The same collector, dissectors and checks as `CaptureAnalyzer` run on the packets as they
/// arrive; the report is the one `analyze` and `check` render, with the interface and drop counts.
public enum LiveAnalyzer {
    /// Captures on an opened interface until `stop` or a limit, and analyses what came.
    ///
    /// Blocks the calling thread: call it from a thread of its own, and request `stop` from another.
    /// - Parameters:
    ///   - capture: the opened capture (`LiveCapture(interface:filter:capturePath:)`).
    ///   - forced: read every conversation as this protocol instead of detecting it.
    ///   - portHints: protocols by server port, tried before detection by content.
    ///   - limits: duration and packet count.
    ///   - stop: asked from another thread to end the capture.
    /// - Returns: the report, with `interface` and `drops` set.
    public static func sniff(
        _ capture: LiveCapture, forced: ApplicationProtocol? = nil, portHints: [UInt16: ApplicationProtocol] = [:],
        limits: LiveCaptureLimits = LiveCaptureLimits(), stop: LiveCaptureStop
    ) -> AnalysisReport {
        var collector = AnalysisCollector(forced: forced, portHints: portHints)
        let result = capture.run(into: &collector, limits: limits, stop: stop)
        collector.finish()
        var report = AnalysisReport(
            path: "live capture on \(capture.interface)", format: .pcapng, linkType: capture.linkType, fileSize: 0,
            filter: capture.filterExpression, statistics: result.statistics,
            conversations: collector.conversations.sorted { $0.id < $1.id }, findings: collector.findings,
            endpoints: collector.endpoints)
        report.interface = capture.interface
        report.drops = result.drops
        return report
    }
}
