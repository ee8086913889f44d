/// Everything Interpose knows about one protocol, in one value: its name on the command line, how
/// its conversations are recognised (first bytes of each direction, default ports, ALPN), the
/// dissector that reads them and the content decoder that replay and `interpose diff` compare with.
///
/// Each protocol declares its descriptor in its own folder (`MQTT/ProtocolDescriptor+MQTT.swift`),
/// and `ProtocolRegistry.standard` lists them, the way swift-argument-parser's
/// `CommandConfiguration(subcommands:)` lists commands. Adding a protocol is one folder under
/// `Sources/InterposeProtocols` and one line in the registry:
///
/// ```swift
/// extension ApplicationProtocol {
///     public static let mqtt = ApplicationProtocol("mqtt")
/// }
/// extension ProtocolDescriptor {
///     package static let mqtt = ProtocolDescriptor(
///         application: .mqtt,
///         detect: { client, _ in ProtocolDescriptor.isMQTTConnect(client) },
///         defaultPorts: [DefaultPort(1883, when: .eitherSideSent)],
///         makeDissector: { MQTTDissector() },
///         content: ContentDecoding(fields: { MQTTContent.fields($0) }, text: { bytes, _ in MQTTContent.text(bytes) }))
/// }
/// ```
///
/// `ApplicationProtocol` is a struct identity (a name) declared next to the descriptor rather than an
/// enum: with an enum every protocol would also be a case in a shared file and a case in every
/// `switch` over it; with the identity in the protocol's folder, what differs between protocols is a
/// property of its descriptor, and the registry is the one place that names them all.
///
/// A descriptor can also only *recognise* a protocol that is read as raw bytes (`ssh`, `mysql`,
/// `dns`): its conversations are reported under that name, dissected by `RawDissector`, and it cannot
/// be chosen with `--protocol`.
public struct ProtocolDescriptor: Sendable {
    /// A server port that says which protocol a conversation speaks when its first bytes do not.
    public struct DefaultPort: Sendable, Hashable {
        /// What must have been seen for the port to decide.
        public enum Condition: Sendable, Hashable {
            /// The port decides even for a conversation in which nobody sent anything.
            case always
            /// The client sent something.
            case clientSent
            /// Either side sent something.
            case eitherSideSent
        }

        /// The server port.
        public var port: UInt16
        /// What must have been seen.
        public var condition: Condition

        /// A default port.
        public init(_ port: UInt16, when condition: Condition) {
            self.port = port
            self.condition = condition
        }

        /// Whether this port decides a conversation whose first bytes are `client` and `server`.
        public func decides(serverPort: UInt16, client: [UInt8], server: [UInt8]) -> Bool {
            guard serverPort == port else { return false }
            switch condition {
            case .always: return true
            case .clientSent: return !client.isEmpty
            case .eitherSideSent: return !client.isEmpty || !server.isEmpty
            }
        }
    }

    /// The dissected protocol: what `Message.application` says, and the dissector and decoder used.
    public let application: ApplicationProtocol
    /// The name reported for a conversation detected as this protocol: `application.rawValue`, or a
    /// recognised protocol read as raw (`ssh`).
    public let name: String
    /// Whether the first bytes each side sent (up to `ProtocolDetector.prefixLength`) are this
    /// protocol's; `nil` for protocols told only by port or forced. The registry's order says which
    /// descriptor is asked first.
    package let detect: (@Sendable (_ client: [UInt8], _ server: [UInt8]) -> Bool)?
    /// Ports that decide when no descriptor recognised the first bytes.
    public let defaultPorts: [DefaultPort]
    /// What a client offers by ALPN to reach this protocol over TLS (`h2`, `http/1.1`).
    public let alpnIdentifiers: [String]
    /// A dissector at the start of a conversation.
    package let makeDissector: @Sendable () -> any Dissector
    /// A dissector that also keeps each message's content (`Message.content`), for protocols whose
    /// messages interleave on the wire so that replay and `diff` cannot cut their bytes from the
    /// stream by size (HTTP/2); `nil` for the others.
    package let makeContentDissector: (@Sendable () -> any Dissector)?
    /// How its message bytes read as fields and text.
    package let content: ContentDecoding
    /// What its responses hand out and how its requests are rewritten to send live values back
    /// (stateful replay); `nil` when replay sends its requests as recorded.
    package let correlation: RequestCorrelation?
    /// Whether its dissector reports no requests and responses (raw chunks, encrypted records), so
    /// that replay and `diff` pair each client turn (the bytes sent before the server answered) with
    /// the server's answer instead.
    public let pairsByTurn: Bool
    /// Why its conversations cannot be replayed, for the replay report; `nil` when they can.
    public let replayRefusal: String?
    /// The first part of its finding codes (`http` in `http.unanswered-request`).
    public let findingLayer: String
    /// A locator of the credentials the protocol marks, which captures record as filler; `nil`
    /// when it marks none (or none is known).
    package let makeCredentialLocator: (@Sendable () -> any CredentialLocator)?

    /// A dissected protocol.
    /// - Parameters:
    ///   - application: its identity; its name is the command-line spelling.
    ///   - detect: whether the first bytes of each direction are this protocol's.
    ///   - defaultPorts: ports that decide when the first bytes say nothing.
    ///   - alpnIdentifiers: what to offer by ALPN to reach it over TLS.
    ///   - makeDissector: a dissector at the start of a conversation.
    ///   - makeContentDissector: one that also keeps each message's content, when messages interleave.
    ///   - content: how its message bytes read as fields and text.
    ///   - correlation: what its responses hand out and how its requests are rewritten; `nil` for nothing.
    ///   - pairsByTurn: whether exchanges are client turns and server answers rather than messages.
    ///   - replayRefusal: why its conversations cannot be replayed, if they cannot.
    ///   - findingLayer: the first part of its finding codes; its name by default.
    ///   - makeCredentialLocator: a locator of the credentials it marks, if it marks any.
    package init(
        application: ApplicationProtocol,
        detect: (@Sendable (_ client: [UInt8], _ server: [UInt8]) -> Bool)? = nil,
        defaultPorts: [DefaultPort] = [],
        alpnIdentifiers: [String] = [],
        makeDissector: @escaping @Sendable () -> any Dissector,
        makeContentDissector: (@Sendable () -> any Dissector)? = nil,
        content: ContentDecoding,
        correlation: RequestCorrelation? = nil,
        pairsByTurn: Bool = false,
        replayRefusal: String? = nil,
        findingLayer: String? = nil,
        makeCredentialLocator: (@Sendable () -> any CredentialLocator)? = nil
    ) {
        self.application = application
        self.name = application.rawValue
        self.detect = detect
        self.defaultPorts = defaultPorts
        self.alpnIdentifiers = alpnIdentifiers
        self.makeDissector = makeDissector
        self.makeContentDissector = makeContentDissector
        self.content = content
        self.correlation = correlation
        self.pairsByTurn = pairsByTurn
        self.replayRefusal = replayRefusal
        self.findingLayer = findingLayer ?? application.rawValue
        self.makeCredentialLocator = makeCredentialLocator
    }

    /// A protocol recognised by name and read as raw bytes (`ssh`, `mysql`, `dns`).
    /// - Parameters:
    ///   - name: the name reported for its conversations.
    ///   - detect: whether the first bytes of each direction are this protocol's.
    ///   - defaultPorts: ports that decide when the first bytes say nothing.
    package init(
        recognising name: String,
        detect: (@Sendable (_ client: [UInt8], _ server: [UInt8]) -> Bool)? = nil,
        defaultPorts: [DefaultPort] = []
    ) {
        self.application = .raw
        self.name = name
        self.detect = detect
        self.defaultPorts = defaultPorts
        self.alpnIdentifiers = []
        self.makeDissector = { RawDissector(application: .raw) }
        self.makeContentDissector = nil
        self.content = .raw
        self.correlation = nil
        self.pairsByTurn = true
        self.replayRefusal = nil
        self.findingLayer = ApplicationProtocol.raw.rawValue
        self.makeCredentialLocator = nil
    }

    /// Whether `--protocol` and `--port-protocol` can choose it: it has its own dissector, or is
    /// `raw` itself, rather than being a name recognised and read as raw.
    public var isSelectable: Bool { name == application.rawValue }
}
