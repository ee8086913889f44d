import DequeModule
import InterposeCore
import InterposeProtocols
import NIOConcurrencyHelpers

/// The checks that span a live proxy's connections (per-endpoint statistics, version drift,
/// retries after failures), shared by all event loops behind a lock, plus the protocol settings
/// every connection's `LiveConversationCheck` uses.
public final class LiveChecks: Sendable {
    /// Read every conversation as this protocol; `nil` detects.
    public let forced: ApplicationProtocol?
    /// Protocols by server port.
    public let portHints: [UInt16: ApplicationProtocol]

    private struct State {
        var services = ServiceChecks()
        var counts: [Severity: Int] = [:]
        var countsByCode: [String: Int] = [:]
        var recent: Deque<Finding> = []
    }

    /// How many findings `recentFindings` keeps (the oldest go first).
    public static let recentLimit = 1000

    private let state = NIOLockedValueBox(State())

    /// Shared checks for one proxy.
    public init(forced: ApplicationProtocol? = nil, portHints: [UInt16: ApplicationProtocol] = [:]) {
        self.forced = forced
        self.portHints = portHints
    }

    /// Findings counted so far, by severity (including those `summary()` adds).
    public var counts: [Severity: Int] { state.withLockedValue { $0.counts } }

    /// Findings counted so far, by code (for the control API's metrics).
    public var countsByCode: [String: Int] { state.withLockedValue { $0.countsByCode } }

    /// The latest findings, oldest first, at most `recentLimit` (for the control API).
    public var recentFindings: [Finding] { state.withLockedValue { Array($0.recent) } }

    /// Counts findings a connection reported (for the exit status and the summary line) and keeps
    /// the latest for the control API.
    public func count(_ findings: [Finding]) {
        guard !findings.isEmpty else { return }
        state.withLockedValue { state in
            for finding in findings {
                state.counts[finding.severity, default: 0] += 1
                state.countsByCode[finding.code, default: 0] += 1
            }
            state.recent.append(contentsOf: findings)
            if state.recent.count > LiveChecks.recentLimit {
                state.recent.removeFirst(state.recent.count - LiveChecks.recentLimit)
            }
        }
    }

    /// What only the whole run shows (version drift, status summaries by endpoint), and the
    /// endpoint statistics; call once at the end.
    public func summary() -> (findings: [Finding], endpoints: [EndpointStatistics]) {
        state.withLockedValue { state in
            let findings = state.services.summaryFindings()
            for finding in findings { state.counts[finding.severity, default: 0] += 1 }
            return (findings, state.services.endpoints())
        }
    }

    /// Takes a connection's messages, each response with the request it answers.
    package func record(_ messages: [(message: Message, answers: Message?)], on connection: ConnectionDescriptor)
        -> [Finding]
    {
        guard !messages.isEmpty else { return [] }
        return state.withLockedValue { state in
            var findings: [Finding] = []
            for (message, request) in messages {
                switch message.role {
                case .request: state.services.request(message, on: connection, findings: &findings)
                case .event: state.services.event(message, on: connection, findings: &findings)
                case .response:
                    if let request { state.services.response(message, to: request, on: connection) }
                }
            }
            return findings
        }
    }

    package func conversationEnded(_ checker: ConversationChecker, unanswered: [(Message, String)]) {
        state.withLockedValue { $0.services.conversationEnded(checker, unanswered: unanswered) }
    }
}
