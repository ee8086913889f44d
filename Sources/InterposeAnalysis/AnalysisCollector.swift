import InterposeCapture
import InterposeReader

/// A `FrameConsumer` that keeps what the analysis report needs: conversation summaries, the first
/// bytes of each direction for the protocol guess, and findings. It keeps no payload beyond those.
public struct AnalysisCollector: FrameConsumer {
    private struct Prefixes {
        var serverPort: UInt16
        var client: [UInt8] = []
        var server: [UInt8] = []
    }

    /// Conversations that have ended, in the order they ended.
    public private(set) var conversations: [ConversationReport] = []
    /// Findings, in the order they were found.
    public private(set) var findings: [Finding] = []
    /// A protocol to report for every conversation instead of guessing (`--protocol`).
    public var protocolOverride: String?

    private var prefixes: [ConnectionID: Prefixes] = [:]

    /// An empty collector.
    public init(protocolOverride: String? = nil) {
        self.protocolOverride = protocolOverride
    }

    /// Starts keeping the first bytes of a conversation.
    public mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        if protocolOverride == nil {
            prefixes[connection.id] = Prefixes(serverPort: connection.server.port)
        }
    }

    /// Keeps the first bytes of each direction.
    public mutating func consume(_ frame: Frame) {
        guard case .data(let buffer) = frame.event, protocolOverride == nil else { return }
        let limit = ProtocolGuess.prefixLength
        switch frame.direction {
        case .clientToServer:
            guard let count = prefixes[frame.connection]?.client.count, count < limit else { return }
            let bytes = buffer.getBytes(at: buffer.readerIndex, length: min(limit - count, buffer.readableBytes)) ?? []
            prefixes[frame.connection]?.client.append(contentsOf: bytes)
        case .serverToClient:
            guard let count = prefixes[frame.connection]?.server.count, count < limit else { return }
            let bytes = buffer.getBytes(at: buffer.readerIndex, length: min(limit - count, buffer.readableBytes)) ?? []
            prefixes[frame.connection]?.server.append(contentsOf: bytes)
        }
    }

    /// Records the conversation with its protocol.
    public mutating func connectionClosed(_ summary: ConnectionSummary) {
        let name: String
        if let protocolOverride {
            name = protocolOverride
        } else if let seen = prefixes.removeValue(forKey: summary.id) {
            name = ProtocolGuess.guess(client: seen.client, server: seen.server, serverPort: seen.serverPort)
        } else {
            name = "unknown"
        }
        conversations.append(ConversationReport(summary: summary, protocolName: name))
    }

    /// Keeps the finding.
    public mutating func report(_ finding: Finding) {
        findings.append(finding)
    }
}
