import Foundation
import NIOCore
import NIOSSL

/// The client side of TLS that Interpose opens itself: to the upstream of an intercepted connection,
/// and to the target of a replay. It checks the server as asked and keeps one TLS context per ALPN
/// offer.
public final class TLSClient: Sendable {
    /// How the server's certificate is checked.
    public let verification: UpstreamVerification
    private let trust: [NIOSSLCertificate]?
    private let keyLog: @Sendable () -> NIOSSLKeyLogCallback?
    private let contexts = BoundedCache<[String], NIOSSLContext>(limit: 64)

    /// A client checking servers by `verification`.
    /// - Parameters:
    ///   - verification: the system store, a CA file, or no check.
    ///   - authoritiesFlag: the option that named the CA file, for error messages.
    ///   - keyLog: asked when a context is made (at the first connection with an ALPN offer): the
    ///     callback that receives the key-log lines of its connections, `nil` for none.
    /// - Throws: `TLSInterceptionError` when the CA file cannot be read.
    public init(
        verification: UpstreamVerification, authoritiesFlag: String = "--upstream-ca",
        keyLog: @escaping @Sendable () -> NIOSSLKeyLogCallback? = { nil }
    ) throws {
        self.verification = verification
        self.keyLog = keyLog
        guard case .certificateAuthorities(let path) = verification else {
            trust = nil
            return
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw TLSInterceptionError.badAuthorities(
                authoritiesFlag, path,
                reason: FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw TLSInterceptionError.badAuthorities(
                authoritiesFlag, path, reason: "cannot read PEM certificates (\(error))")
        }
        guard !certificates.isEmpty else {
            throw TLSInterceptionError.badAuthorities(authoritiesFlag, path, reason: "the file holds no certificate")
        }
        trust = certificates
    }

    /// The context for connections offering `applicationProtocols` by ALPN (none when empty).
    /// - Throws: `TLSInterceptionError` when the TLS library refuses the settings.
    public func context(applicationProtocols: [String]) throws -> NIOSSLContext {
        try contexts.value(for: applicationProtocols) {
            var configuration = TLSConfiguration.makeClientConfiguration()
            switch verification {
            case .system:
                configuration.trustRoots = .default
            case .certificateAuthorities:
                configuration.trustRoots = .certificates(trust ?? [])
            case .insecure:
                configuration.certificateVerification = .none
            }
            configuration.applicationProtocols = applicationProtocols
            configuration.keyLogCallback = keyLog()
            do {
                return try NIOSSLContext(configuration: configuration)
            } catch {
                throw TLSInterceptionError.cannotConfigure("the upstream", reason: "\(error)")
            }
        }
    }

    /// A handler that opens TLS to `host`: its name is sent as SNI and checked against the certificate;
    /// an IP address literal is sent as no SNI and checked against the certificate's addresses.
    /// - Throws: `TLSInterceptionError` or the TLS library's error for an unusable name.
    public func handler(host: String, applicationProtocols: [String]) throws -> NIOSSLClientHandler {
        let isAddress = CertificateAuthority.ipAddressBytes(host) != nil
        return try NIOSSLClientHandler(
            context: try context(applicationProtocols: applicationProtocols), serverHostname: isAddress ? nil : host)
    }
}
