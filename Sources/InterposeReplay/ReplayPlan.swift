import InterposeCore
import InterposeProtocols
import InterposeReader

/// Every conversation of a capture, ready to replay, in recorded start order, with the ordering
/// between them: a conversation that began after another ended in the recording begins after it
/// ends in the replay too, so state built by one is there for the next; overlapping ones overlap.
public struct ReplayPlan: Sendable {
    /// The conversations, by recorded start time.
    public var conversations: [PlannedConversation]
    /// `conversations` indices by recorded end time.
    public var endOrder: [Int]
    /// For each conversation, how many conversations of `endOrder` (a prefix) must have ended before
    /// it may begin.
    public var mustFollow: [Int]
    /// What the checks found on the recording itself, per recorded conversation (and file-wide ones
    /// with no connection): a finding the old build or the client already had is not a regression.
    public var recordedFindings: [Finding]
    /// The values servers handed out that clients sent back, learned or given by rules
    /// (`correlate(rules:)`); empty until then, and then the replay sends the recorded bytes.
    public var correlations: [Correlation] = []
    /// The `--correlate` rules that matched nothing in the recording.
    public var unmatchedCorrelationRules: [String] = []

    /// A plan from conversations in any order.
    public init(conversations: [PlannedConversation], recordedFindings: [Finding] = []) {
        self.recordedFindings = recordedFindings
        let sorted = conversations.sorted {
            ($0.startOffset, $0.recorded.descriptor.id) < ($1.startOffset, $1.recorded.descriptor.id)
        }
        self.conversations = sorted
        endOrder = sorted.indices.sorted { (sorted[$0].endOffset, $0) < (sorted[$1].endOffset, $1) }
        let ends = endOrder.map { sorted[$0].endOffset }
        mustFollow = sorted.map { conversation in
            // Ended strictly before this one began: a binary search over the sorted end times.
            var low = 0
            var high = ends.count
            while low < high {
                let middle = (low + high) / 2
                if ends[middle] < conversation.startOffset { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// Learns the correlations of the recording (`CorrelationLearner`) and marks the steps that
    /// send the values back, so the replay substitutes what the replayed server hands out.
    public mutating func correlate(rules: [CorrelationRule] = []) {
        let learned = CorrelationLearner(rules: rules).learn(&conversations)
        correlations = learned.correlations
        unmatchedCorrelationRules = learned.unmatchedRules
    }

    /// Reads a capture into a plan.
    /// - Parameters:
    ///   - path: the capture.
    ///   - filter: a BPF expression selecting packets (`--filter`).
    ///   - forced: read every conversation as this protocol.
    ///   - portHints: protocols by server port.
    /// - Throws: `CaptureReadError` when the file cannot be read.
    public static func read(
        _ path: String, filter: String? = nil, forced: ApplicationProtocol? = nil,
        portHints: [UInt16: ApplicationProtocol] = [:]
    ) throws(CaptureReadError) -> ReplayPlan {
        let reader = try CaptureReader(path: path, filter: filter)
        var planner = ReplayPlanner(forced: forced, portHints: portHints)
        _ = reader.read(into: &planner)
        return planner.plan()
    }
}
