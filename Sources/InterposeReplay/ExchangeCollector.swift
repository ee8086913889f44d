import InterposeCapture
import InterposeCore
import InterposeProtocols
import InterposeReader

/// The `FrameConsumer` behind `diff` and the recorded side of `replay`: reads every conversation of
/// a capture into its exchanges (an `ExchangeRecorder` each).
///
/// ```swift
/// var collector = ExchangeCollector()
/// _ = try CaptureReader(path: "before.pcapng").read(into: &collector)
/// print(collector.conversations.map(\.exchanges.count))
/// ```
public struct ExchangeCollector: FrameConsumer {
    /// Conversations that have ended, in the order they ended.
    public private(set) var conversations: [RecordedConversation] = []

    private let forced: ApplicationProtocol?
    private let detector: ProtocolDetector
    private let keepsContent: Bool
    private var open: [ConnectionID: ExchangeRecorder] = [:]

    /// A collector.
    /// - Parameters:
    ///   - forced: read every conversation as this protocol (`--protocol`); `nil` detects.
    ///   - portHints: protocols by server port (`--port-protocol 7000=redis`).
    ///   - keepsContent: keep the bytes of each request and response for field comparison.
    public init(
        forced: ApplicationProtocol? = nil, portHints: [UInt16: ApplicationProtocol] = [:], keepsContent: Bool = true
    ) {
        self.forced = forced
        self.detector = ProtocolDetector(portHints: portHints)
        self.keepsContent = keepsContent
    }

    /// Starts reading a conversation.
    public mutating func connectionOpened(_ connection: ConnectionDescriptor, at timestamp: Timestamp) {
        open[connection.id] = ExchangeRecorder(
            connection: connection, start: timestamp, forced: forced, detector: detector, keepsContent: keepsContent)
    }

    /// Reads one frame as its conversation's protocol.
    public mutating func consume(_ frame: Frame) {
        open[frame.connection]?.consume(frame)
    }

    /// Ends a conversation and keeps it.
    public mutating func connectionClosed(_ summary: ConnectionSummary) {
        if var recorder = open.removeValue(forKey: summary.id) {
            recorder.finish()
            conversations.append(recorder.conversation)
        } else {
            conversations.append(RecordedConversation(descriptor: summary.descriptor, start: summary.start))
        }
    }
}
