/// The protocols Interpose knows, in one list: the one place a protocol is named.
///
/// Detection, the command line's `--protocol` and `--port-protocol`, `ConversationDissector` and
/// replay's content decoding all look protocols up here. The order of `descriptors` is the order in
/// which content detection asks them (first match wins), so precedence is read off the list: the
/// HTTP/2 preface before HTTP/1's `PRI` method, TLS records before anything binary, and MySQL's
/// greeting (a server that speaks first) last, after every protocol the client's bytes identify.
public struct ProtocolRegistry: Sendable {
    /// The protocols, in detection order.
    public let descriptors: [ProtocolDescriptor]

    /// A registry of `descriptors`, asked in that order.
    package init(_ descriptors: [ProtocolDescriptor]) {
        self.descriptors = descriptors
    }

    /// The protocols Interpose ships.
    public static let standard = ProtocolRegistry([
        .http2,
        .http1,
        .tls,
        .ssh,
        .postgres,
        .mqtt,
        .redis,
        .mysql,
        .dns,
        .raw,
    ])

    /// The protocols `--protocol` can choose, in registry order.
    public var selectable: [ProtocolDescriptor] { descriptors.filter(\.isSelectable) }

    /// The command-line names, for help texts and error messages: `http2, http1, ...`.
    public var names: String { selectable.map(\.name).joined(separator: ", ") }

    /// The protocol `--protocol NAME` or `--port-protocol PORT=NAME` names; `nil` when none is called
    /// that (recognised-only names such as `ssh` included: they have no dissector of their own).
    public func application(named name: String) -> ApplicationProtocol? {
        selectable.first { $0.name == name }?.application
    }

    /// The descriptor of a dissected protocol; `raw`'s for an identity this registry does not list.
    public func descriptor(for application: ApplicationProtocol) -> ProtocolDescriptor {
        descriptors.first { $0.isSelectable && $0.application == application }
            ?? descriptors.first { $0.isSelectable && $0.application == .raw } ?? .raw
    }
}
