import InterposeFaults

/// A proxy as the control API shows it, in Toxiproxy's JSON shape:
/// `{"name":"redis","listen":"127.0.0.1:26379","upstream":"127.0.0.1:6379","enabled":true,"toxics":[...]}`.
public struct ProxyView: Sendable, Equatable, Codable {
    /// The proxy's name.
    public var name: String
    /// The address it listens on (the bound one, with the real port once it has listened).
    public var listen: String
    /// The address it forwards to, as given.
    public var upstream: String
    /// Whether it listens.
    public var enabled: Bool
    /// Its toxics now.
    public var toxics: [Toxic]

    /// A view from its parts.
    public init(name: String, listen: String, upstream: String, enabled: Bool, toxics: [Toxic]) {
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = enabled
        self.toxics = toxics
    }
}
