import InterposeChecks
import InterposeCore
import InterposeReader

/// Everything `interpose analyze` and `interpose check` say about a capture: the file, its
/// conversations, findings and per-endpoint statistics.
///
/// Rendered as text (`renderText`), as the JSON document of docs/DESIGN.md (`renderJSON`) or as JUnit
/// XML (`renderJUnit`).
public struct AnalysisReport: Sendable {
    /// The file.
    public var path: String
    /// Its container format.
    public var format: CaptureFormat
    /// Its (first interface's) link type.
    public var linkType: LinkType
    /// Its size in bytes.
    public var fileSize: Int64
    /// The BPF filter applied, if any.
    public var filter: String?
    /// What was in it.
    public var statistics: CaptureReadStatistics
    /// The conversations, by identifier.
    public var conversations: [ConversationReport]
    /// The findings, in the order they were found.
    public var findings: [Finding]
    /// Requests, outcomes and latency per service and request key, busiest first.
    public var endpoints: [EndpointStatistics]
    /// For a live capture (`interpose sniff`): the interface captured; `nil` for a file.
    public var interface: String?
    /// For a live capture: what libpcap and Interpose lost; `nil` for a file.
    public var drops: LiveCaptureDrops?

    /// A report from its parts.
    public init(
        path: String, format: CaptureFormat, linkType: LinkType, fileSize: Int64, filter: String?,
        statistics: CaptureReadStatistics, conversations: [ConversationReport], findings: [Finding],
        endpoints: [EndpointStatistics] = []
    ) {
        self.endpoints = endpoints
        self.path = path
        self.format = format
        self.linkType = linkType
        self.fileSize = fileSize
        self.filter = filter
        self.statistics = statistics
        self.conversations = conversations
        self.findings = findings
    }

    /// Findings of each severity.
    public func count(_ severity: Severity) -> Int {
        findings.reduce(0) { $0 + ($1.severity == severity ? 1 : 0) }
    }

    /// Whether any finding is an error: the command line then exits 1.
    public var hasErrors: Bool { findings.contains { $0.severity == .error } }
}
