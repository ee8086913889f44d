import InterposeCapture
import InterposeCore
import InterposeProtocols

/// One conversation of a capture as a comparison sees it: who talked, when it began, and its
/// exchanges in the order the requests were sent.
public struct RecordedConversation: Sendable, Hashable {
    /// The conversation's endpoints and id in its capture.
    public var descriptor: ConnectionDescriptor
    /// When it was first seen.
    public var start: Timestamp
    /// Its requests with their responses, in request order.
    public var exchanges: [RecordedExchange]
    /// Its protocol, once known.
    public var application: ApplicationProtocol?

    /// A conversation from its parts.
    public init(descriptor: ConnectionDescriptor, start: Timestamp, exchanges: [RecordedExchange] = []) {
        self.descriptor = descriptor
        self.start = start
        self.exchanges = exchanges
    }
}
