import InterposeCapture
import InterposeCore
import InterposeProxy

/// What the proxies of a registry did, from start to shutdown: the summary printed at exit.
public struct RegistrySummary: Sendable, CustomStringConvertible {
    /// One proxy's part.
    public struct ProxyResult: Sendable {
        /// Its name.
        public var name: String
        /// Its counters over its whole life.
        public var statistics: ProxyStatistics.Snapshot
        /// Its capture's final counters, when it recorded.
        public var capture: CaptureStatistics?
        /// Connections reset because they outlived the grace period.
        public var abortedAtShutdown: Int
        /// With checks: findings by severity.
        public var findingCounts: [Severity: Int]?
        /// With checks: the findings only the whole run shows.
        public var summaryFindings: [Finding] = []

        /// A proxy's result.
        public init(
            name: String, statistics: ProxyStatistics.Snapshot, capture: CaptureStatistics?, abortedAtShutdown: Int
        ) {
            self.name = name
            self.statistics = statistics
            self.capture = capture
            self.abortedAtShutdown = abortedAtShutdown
        }
    }

    /// The proxies still there at shutdown, by name.
    public var proxies: [ProxyResult]

    /// A summary of these results.
    public init(proxies: [ProxyResult]) {
        self.proxies = proxies
    }

    /// Whether a proxy's checks found an error: the command then exits 1.
    public var hasErrorFindings: Bool { proxies.contains { ($0.findingCounts?[.error] ?? 0) > 0 } }

    /// Whether a proxy's capture could not be written (a full disk): the command then exits 1.
    public var captureFailed: Bool { proxies.contains { $0.capture?.writeError != nil } }

    /// A few lines per proxy, each starting with its name, in the words of the single-proxy summary.
    public var description: String {
        if proxies.isEmpty { return "no proxies" }
        var lines: [String] = []
        for proxy in proxies {
            var single = ProxySession.Summary(
                proxy: proxy.statistics, capture: proxy.capture, abortedAtShutdown: proxy.abortedAtShutdown)
            single.findingCounts = proxy.findingCounts
            single.summaryFindings = proxy.summaryFindings
            for line in single.description.split(separator: "\n") { lines.append("\(proxy.name): \(line)") }
        }
        return lines.joined(separator: "\n")
    }
}
