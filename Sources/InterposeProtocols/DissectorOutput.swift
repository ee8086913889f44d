/// Where a dissector puts what it read: messages and findings, in the order it found them.
///
/// The caller drains it after each call; a dissector only appends.
public struct DissectorOutput: Sendable {
    /// Messages completed since the last drain.
    public var messages: [Message] = []
    /// Findings since the last drain.
    public var findings: [DissectorFinding] = []

    /// An empty output.
    public init() {}

    /// Appends a message.
    public mutating func emit(_ message: Message) {
        messages.append(message)
    }

    /// Appends a finding.
    public mutating func report(_ finding: DissectorFinding) {
        findings.append(finding)
    }

    /// Whether nothing is waiting.
    public var isEmpty: Bool { messages.isEmpty && findings.isEmpty }

    /// Empties it, keeping its storage.
    public mutating func removeAll() {
        messages.removeAll(keepingCapacity: true)
        findings.removeAll(keepingCapacity: true)
    }
}
