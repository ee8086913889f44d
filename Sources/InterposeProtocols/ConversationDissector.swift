import InterposeCore
import NIOCore

/// Reads one conversation's frames as its protocol: detects the protocol from the first bytes
/// (or takes the one forced), then hands every frame to that protocol's dissector.
///
/// The one code path of docs/DESIGN.md: the offline reader, the live proxy and replay all feed frames
/// here. Frames seen before the protocol is known are held (a few, small: detection needs the first
/// bytes only) and replayed into the dissector once it is chosen.
public struct ConversationDissector {
    /// The conversation.
    public let connection: ConnectionDescriptor
    /// What was detected; `nil` until enough bytes were seen.
    public private(set) var detection: ProtocolDetector.Detection?

    private let detector: ProtocolDetector
    private var dissector: (any Dissector)?
    private var held: [Frame] = []
    private var clientPrefix: [UInt8] = []
    private var serverPrefix: [UInt8] = []
    private var ended = false
    private let keepsContent: Bool

    /// Starts reading a conversation.
    /// - Parameters:
    ///   - connection: who talks.
    ///   - forced: read it as this protocol, whatever its bytes look like (`--protocol`).
    ///   - detector: detection with its port hints.
    ///   - keepsContent: for replay and `diff`: a protocol whose dissector frames content itself
    ///     (HTTP/2) keeps each message's content (`Message.content`).
    public init(
        connection: ConnectionDescriptor, forced: ApplicationProtocol? = nil,
        detector: ProtocolDetector = ProtocolDetector(), keepsContent: Bool = false
    ) {
        self.connection = connection
        self.detector = detector
        self.keepsContent = keepsContent
        if let forced {
            choose(ProtocolDetector.Detection(application: forced, name: forced.rawValue))
        }
    }

    /// The dissector for a protocol, from its descriptor in the standard registry; with
    /// `keepsContent`, the one that keeps message content when the protocol has one.
    public static func makeDissector(for application: ApplicationProtocol, keepsContent: Bool = false) -> any Dissector
    {
        let descriptor = ProtocolRegistry.standard.descriptor(for: application)
        return (keepsContent ? descriptor.makeContentDissector : nil)?() ?? descriptor.makeDissector()
    }

    /// Takes one frame of the conversation.
    public mutating func consume(_ frame: Frame, into output: inout DissectorOutput) {
        if dissector == nil {
            held.append(frame)
            if case .data(let buffer) = frame.event {
                let room = ProtocolDetector.prefixLength
                let bytes = buffer.getBytes(at: buffer.readerIndex, length: min(room, buffer.readableBytes)) ?? []
                if frame.direction == .clientToServer {
                    clientPrefix.append(contentsOf: bytes.prefix(room - clientPrefix.count))
                } else {
                    serverPrefix.append(contentsOf: bytes.prefix(room - serverPrefix.count))
                }
            }
            guard isReadyToDetect(after: frame) else { return }
            choose(detector.detect(client: clientPrefix, server: serverPrefix, serverPort: connection.server.port))
            let frames = held
            held = []
            for held in frames { deliver(held, into: &output) }
            return
        }
        deliver(frame, into: &output)
    }

    private func isReadyToDetect(after frame: Frame) -> Bool {
        switch frame.event {
        case .data:
            // A server that speaks first (an HTTP/2 server's SETTINGS, an SSH banner) is decided by the
            // client's first answer, which content detection trusts more than a port.
            return clientPrefix.count >= ProtocolDetector.prefixLength
                || (!clientPrefix.isEmpty && !serverPrefix.isEmpty)
                || held.count > 8
        case .open:
            return false
        case .gap, .finish, .reset, .connectFailed, .close:
            return true
        }
    }

    private mutating func choose(_ detection: ProtocolDetector.Detection) {
        self.detection = detection
        dissector = ConversationDissector.makeDissector(for: detection.application, keepsContent: keepsContent)
    }

    private mutating func deliver(_ frame: Frame, into output: inout DissectorOutput) {
        guard dissector != nil, !ended else { return }
        switch frame.event {
        case .data(let buffer):
            dissector!.receive(
                buffer, direction: frame.direction, at: frame.timestamp, packet: frame.packet, into: &output)
        case .gap(let size):
            dissector!.gap(size, direction: frame.direction, at: frame.timestamp, packet: frame.packet, into: &output)
        case .finish:
            dissector!.finish(direction: frame.direction, at: frame.timestamp, packet: frame.packet, into: &output)
        case .reset:
            ended = true
            dissector!.end(reset: true, at: frame.timestamp, into: &output)
        case .close:
            ended = true
            dissector!.end(reset: false, at: frame.timestamp, into: &output)
        case .open, .connectFailed:
            break
        }
    }
}
