/// Tells a conversation's application protocol from the first bytes each side sent, with the
/// server port as a hint for protocols whose first bytes say little.
///
/// Content wins over ports: Redis on port 7000 is still Redis. `--port-protocol PORT=NAME` hints
/// come first, then content (each descriptor of the registry asked in the registry's order), then
/// the descriptors' default ports. Names beyond the dissected protocols (`ssh`, `mysql`, `dns`) are
/// reported but read as `raw`.
public struct ProtocolDetector: Sendable {
    /// What detection decided.
    public struct Detection: Sendable, Hashable {
        /// The dissector to read it with.
        public var application: ApplicationProtocol
        /// The name to report: the dissected protocol's, or a recognised one read as raw (`ssh`),
        /// or `unknown`.
        public var name: String

        /// A detection from its parts.
        public init(application: ApplicationProtocol, name: String) {
            self.application = application
            self.name = name
        }

        init(_ application: ApplicationProtocol) {
            self.init(application: application, name: application.rawValue)
        }

        init(_ descriptor: ProtocolDescriptor) {
            self.init(application: descriptor.application, name: descriptor.name)
        }
    }

    /// How many leading bytes of each direction detection looks at.
    public static let prefixLength = 24

    /// Protocols forced by server port (`--port-protocol 7000=redis`).
    public var portHints: [UInt16: ApplicationProtocol]
    /// The protocols asked, in order.
    public var registry: ProtocolRegistry

    /// A detector with port hints.
    public init(portHints: [UInt16: ApplicationProtocol] = [:], registry: ProtocolRegistry = .standard) {
        self.portHints = portHints
        self.registry = registry
    }

    /// The protocol of a conversation.
    /// - Parameters:
    ///   - client: the first bytes the client sent (up to `prefixLength`).
    ///   - server: the first bytes the server sent.
    ///   - serverPort: the server's port.
    public func detect(client: [UInt8], server: [UInt8], serverPort: UInt16) -> Detection {
        if let hinted = portHints[serverPort] { return Detection(hinted) }
        for descriptor in registry.descriptors {
            if let detect = descriptor.detect, detect(client, server) { return Detection(descriptor) }
        }
        for descriptor in registry.descriptors
        where descriptor.defaultPorts.contains(where: {
            $0.decides(serverPort: serverPort, client: client, server: server)
        }) {
            return Detection(descriptor)
        }
        return Detection(application: .raw, name: "unknown")
    }
}
