/// How serious a finding is.
///
/// The command line exits with status 1 when any finding has severity `error` (docs/DESIGN.md);
/// `warning` and `info` are reported but do not change the exit status.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Worth knowing, not a problem in itself (a retransmission, a capture that began mid-stream).
    case info
    /// A problem in what was seen or could be seen (a gap, a packet cut by the snap length).
    case warning
    /// A violation that makes the result unreliable (bytes that differ between copies of one
    /// segment, a capture file truncated in the middle of a record).
    case error

    private var rank: Int {
        switch self {
        case .info: return 0
        case .warning: return 1
        case .error: return 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// `info`, `warning` or `error`: the spelling of `--json` output.
    public var description: String { rawValue }
}
