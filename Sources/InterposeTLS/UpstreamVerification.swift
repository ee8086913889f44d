/// How the interceptor checks the upstream's certificate on the TLS connection it opens.
public enum UpstreamVerification: Sendable, Hashable {
    /// The system's trust store and the server name: what a browser or curl would check.
    case system
    /// Certificates in a PEM file (`--upstream-ca`), instead of the system's, and the server name.
    case certificateAuthorities(path: String)
    /// No check at all (`--insecure-upstream`): only when asked, never as a fallback.
    case insecure
}
