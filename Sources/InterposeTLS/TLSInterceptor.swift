import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// Everything a proxy needs to intercept TLS: its CA, how it checks upstreams, where keys are
/// logged, and the TLS contexts it has made, reused across connections.
///
/// For each connection the proxy reads the client's ClientHello (`ClientHelloPeekHandler`), opens
/// TLS to the upstream with the same server name and ALPN offer (`upstream`), and then
/// answers the client with a certificate for that name and the protocol the upstream chose
/// (`clientContext`). The bytes between the two TLS sessions are the plaintext the proxy records.
public final class TLSInterceptor: Sendable {
    /// The settings of `--tls-intercept`.
    public struct Configuration: Sendable {
        /// `--ca-dir`: where the CA is kept (created on first use).
        public var caDirectory: String
        /// How upstream certificates are checked.
        public var upstreamVerification: UpstreamVerification
        /// `--keylog`: the NSS key-log file, `nil` for none.
        public var keyLogPath: String?

        /// Interception with the CA in `caDirectory`, upstreams checked against the system store.
        public init(
            caDirectory: String, upstreamVerification: UpstreamVerification = .system, keyLogPath: String? = nil
        ) {
            self.caDirectory = caDirectory
            self.upstreamVerification = upstreamVerification
            self.keyLogPath = keyLogPath
        }
    }

    /// The default CA directory: `$HOME/.interpose/ca` (`/root/.interpose/ca` when HOME is unset).
    public static var defaultCADirectory: String {
        let home = getenv("HOME").map { String(cString: $0) } ?? "/root"
        return home + "/.interpose/ca"
    }

    /// The CA that signs the certificates clients see.
    public let authority: CertificateAuthority
    /// How upstream certificates are checked.
    public var upstreamVerification: UpstreamVerification { upstream.verification }
    /// The key-log file, when `--keylog` was given.
    public let keyLog: KeyLogFile?
    private let caCertificate: NIOSSLCertificate
    private let leafKey: NIOSSLPrivateKey
    /// The proxy's own TLS connections to upstreams.
    public let upstream: TLSClient
    private let keyLogListener = NIOLockedValueBox<(@Sendable (ByteBuffer) -> Void)?>(nil)
    private let clientContexts = BoundedCache<ClientContextKey, NIOSSLContext>(limit: CertificateAuthority.cacheLimit)

    private struct ClientContextKey: Hashable {
        var serverName: String
        var applicationProtocol: String?
    }

    /// Loads (or creates) the CA, reads `--upstream-ca` and opens `--keylog`.
    /// - Throws: `CertificateAuthorityError` or `TLSInterceptionError`, with one line for the user.
    public init(configuration: Configuration) throws {
        authority = try CertificateAuthority(directory: configuration.caDirectory)
        keyLog = try configuration.keyLogPath.map { try KeyLogFile(path: $0) }
        do {
            caCertificate = try NIOSSLCertificate(bytes: Array(authority.certificatePEM.utf8), format: .pem)
            leafKey = try NIOSSLPrivateKey(bytes: Array(authority.leafKeyPEM.utf8), format: .pem)
        } catch {
            throw TLSInterceptionError.cannotConfigure("the CA", reason: "\(error)")
        }
        let keyLog = self.keyLog
        let listener = self.keyLogListener
        upstream = try TLSClient(verification: configuration.upstreamVerification) {
            Self.keyLogCallback(file: keyLog, listener: listener)
        }
    }

    /// Also sends every key-log line to `listener` (the proxy puts them into its encrypted capture).
    public func setKeyLogListener(_ listener: (@Sendable (ByteBuffer) -> Void)?) {
        keyLogListener.withLockedValue { $0 = listener }
    }

    private var keyLogCallback: NIOSSLKeyLogCallback? {
        Self.keyLogCallback(file: keyLog, listener: keyLogListener)
    }

    /// The callback for new TLS contexts: `nil` (no keys made into lines) unless a file or a listener
    /// wants them.
    private static func keyLogCallback(
        file: KeyLogFile?, listener: NIOLockedValueBox<(@Sendable (ByteBuffer) -> Void)?>
    ) -> NIOSSLKeyLogCallback? {
        guard file != nil || listener.withLockedValue({ $0 != nil }) else { return nil }
        return { line in
            file?.append(line)
            listener.withLockedValue { $0 }?(line)
        }
    }

    /// The context that answers a client asking for `serverName`, offering only `applicationProtocol`
    /// (the one the upstream chose) or no ALPN at all.
    /// - Throws: `CertificateAuthorityError` when no certificate can be issued for the name.
    public func clientContext(serverName: String, applicationProtocol: String?) throws -> NIOSSLContext {
        let key = ClientContextKey(serverName: serverName.lowercased(), applicationProtocol: applicationProtocol)
        return try clientContexts.value(for: key) {
            let leaf = try authority.leafCertificate(for: serverName)
            var configuration: TLSConfiguration
            do {
                var der = DER.Serializer()
                try der.serialize(leaf)
                let leafCertificate = try NIOSSLCertificate(bytes: der.serializedBytes, format: .der)
                configuration = TLSConfiguration.makeServerConfiguration(
                    certificateChain: [.certificate(leafCertificate), .certificate(caCertificate)],
                    privateKey: .privateKey(leafKey))
            } catch {
                throw TLSInterceptionError.cannotConfigure(serverName, reason: "\(error)")
            }
            configuration.applicationProtocols = applicationProtocol.map { [$0] } ?? []
            configuration.keyLogCallback = keyLogCallback
            do {
                return try NIOSSLContext(configuration: configuration)
            } catch {
                throw TLSInterceptionError.cannotConfigure(serverName, reason: "\(error)")
            }
        }
    }
}
