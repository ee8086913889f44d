import Crypto
import Foundation
import InterposeCapture
import InterposeCore
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// Interpose's own certificate authority for TLS interception: created on first use in a directory
/// (`--ca-dir`), it issues a leaf certificate for each server name clients ask for.
///
/// Clients that should be intercepted trust `certificatePEM` (print it with `interpose ca print`).
/// The key file is mode 0600 and the directory 0700; looser permissions are refused, since anyone
/// who reads the key can impersonate any server to those clients.
///
/// Keys are ECDSA P-256: fast to make and sign with, and accepted by every current TLS stack. All
/// leaf certificates share one key made per process (as mitmproxy does), so a new name costs one
/// signature rather than a key generation.
///
/// ```swift
/// let authority = try CertificateAuthority(directory: "/var/lib/interpose/ca")
/// let leaf = try authority.leafCertificate(for: "api.internal")
/// ```
public final class CertificateAuthority: Sendable {
    /// The file name of the CA certificate (PEM) inside the directory.
    public static let certificateFileName = "interpose-ca.pem"
    /// The file name of the CA private key (PKCS#8 PEM, mode 0600) inside the directory.
    public static let keyFileName = "interpose-ca-key.pem"
    /// Leaf certificates kept for reuse; past this many, the cache starts again.
    static let cacheLimit = 4_096

    /// The directory the CA lives in.
    public let directory: String
    /// The CA certificate.
    public let certificate: Certificate
    /// The CA certificate in PEM, for clients to trust.
    public let certificatePEM: String
    /// Whether this call created the CA (it did not exist yet).
    public let created: Bool
    private let key: Certificate.PrivateKey
    /// The key of every leaf certificate.
    private let leafKey: Certificate.PrivateKey
    /// `leafKey` in PKCS#8 PEM, for the TLS library.
    public let leafKeyPEM: String
    private let leaves = BoundedCache<String, Certificate>(limit: cacheLimit)

    /// Loads the CA from `directory`, creating the directory (0700) and the CA when they do not exist.
    /// - Parameter directory: where the CA certificate and key are kept.
    /// - Throws: `CertificateAuthorityError` for loose permissions, unreadable or invalid files, or a
    ///   directory that cannot be created.
    public init(directory: String) throws {
        self.directory = directory
        let certificatePath = directory + "/" + Self.certificateFileName
        let keyPath = directory + "/" + Self.keyFileName
        try Self.prepareDirectory(directory)
        let manager = FileManager.default
        let hasCertificate = manager.fileExists(atPath: certificatePath)
        let hasKey = manager.fileExists(atPath: keyPath)
        switch (hasCertificate, hasKey) {
        case (true, true):
            try Self.checkKeyPermissions(keyPath)
            let keyPEM = try Self.readText(keyPath)
            let certificatePEM = try Self.readText(certificatePath)
            do {
                key = Certificate.PrivateKey(try P256.Signing.PrivateKey(pemRepresentation: keyPEM))
            } catch {
                throw CertificateAuthorityError.invalid(keyPath, reason: "not a P-256 private key in PEM (\(error))")
            }
            do {
                certificate = try Certificate(pemEncoded: certificatePEM)
            } catch {
                throw CertificateAuthorityError.invalid(certificatePath, reason: "not a certificate in PEM (\(error))")
            }
            guard certificate.publicKey == key.publicKey else {
                throw CertificateAuthorityError.invalid(
                    certificatePath, reason: "its public key does not match \(keyPath)")
            }
            self.certificatePEM = certificatePEM
            created = false
        case (false, false):
            let newKey = P256.Signing.PrivateKey()
            key = Certificate.PrivateKey(newKey)
            do {
                certificate = try Self.makeAuthorityCertificate(key: key)
                certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
            } catch {
                throw CertificateAuthorityError.cannotIssue("the CA", reason: "\(error)")
            }
            try Self.writeNew(keyPath, text: newKey.pemRepresentation + "\n", mode: 0o600)
            try Self.writeNew(certificatePath, text: certificatePEM, mode: 0o644)
            created = true
        case (true, false):
            throw CertificateAuthorityError.incomplete(present: certificatePath, missing: keyPath)
        case (false, true):
            throw CertificateAuthorityError.incomplete(present: keyPath, missing: certificatePath)
        }
        let newLeafKey = P256.Signing.PrivateKey()
        leafKey = Certificate.PrivateKey(newLeafKey)
        leafKeyPEM = newLeafKey.pemRepresentation
    }

    /// The certificate for `serverName`, signed by this CA: a DNS name, or an IP address literal (which
    /// gets an IP address entry instead). Issued once per name and reused.
    /// - Parameter serverName: the SNI name, or the upstream's address when the client sent none.
    /// - Returns: a certificate valid from a day ago for 397 days (or until the CA expires).
    /// - Throws: `CertificateAuthorityError.cannotIssue` when the name cannot go into a certificate.
    public func leafCertificate(for serverName: String) throws -> Certificate {
        let name = serverName.lowercased()
        return try leaves.value(for: name) {
            do {
                return try issueLeaf(for: name)
            } catch {
                throw CertificateAuthorityError.cannotIssue(serverName, reason: "\(error)")
            }
        }
    }

    private func issueLeaf(for name: String) throws -> Certificate {
        let now = Date()
        let notAfter = min(now.addingTimeInterval(397 * 86_400), certificate.notValidAfter)
        let alternativeName: GeneralName
        if let address = Self.ipAddressBytes(name) {
            alternativeName = .ipAddress(ASN1OctetString(contentBytes: address[...]))
        } else {
            alternativeName = .dnsName(name)
        }
        let subject = try DistinguishedName {
            OrganizationName("Interpose interception")
            CommonName(String(name.prefix(64)))
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames([alternativeName])
            SubjectKeyIdentifier(hash: leafKey.publicKey)
            AuthorityKeyIdentifier(keyIdentifier: try certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: leafKey.publicKey,
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: notAfter, issuer: certificate.subject,
            subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: key)
    }

    /// A self-signed CA certificate valid from a day ago for ten years.
    private static func makeAuthorityCertificate(key: Certificate.PrivateKey) throws -> Certificate {
        let now = Date()
        let host = ProcessInfo.processInfo.hostName
        let name = try DistinguishedName {
            OrganizationName("Interpose")
            CommonName(String("Interpose interception CA (\(host))".prefix(64)))
        }
        let publicKey = key.publicKey
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
        }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-86_400), notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: key)
    }

    /// The 4 or 16 bytes of an IP address literal, `nil` for a host name.
    /// - Parameter text: a host name or an IPv4/IPv6 address literal.
    /// - Returns: the address in network order, or `nil` when `text` is a name.
    public static func ipAddressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    // MARK: Files

    private static func prepareDirectory(_ directory: String) throws {
        var info = stat()
        if stat(directory, &info) != 0 {
            guard errno == ENOENT else {
                throw CertificateAuthorityError.cannotRead(directory, reason: String(cString: strerror(errno)))
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw CertificateAuthorityError.cannotCreate(directory, reason: "\(error.localizedDescription)")
            }
            return
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw CertificateAuthorityError.cannotCreate(directory, reason: "it exists and is not a directory")
        }
        if info.st_mode & 0o022 != 0 {
            throw CertificateAuthorityError.looseDirectoryPermissions(directory, mode: UInt32(info.st_mode))
        }
    }

    private static func checkKeyPermissions(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CertificateAuthorityError.cannotRead(path, reason: String(cString: strerror(errno)))
        }
        if info.st_mode & 0o077 != 0 {
            throw CertificateAuthorityError.looseKeyPermissions(path, mode: UInt32(info.st_mode))
        }
    }

    private static func readText(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CertificateAuthorityError.cannotRead(path, reason: "\(error.localizedDescription)")
        }
    }

    /// Writes a file that must not exist yet, created with `mode` from the start (never readable by
    /// others, not even for a moment).
    private static func writeNew(_ path: String, text: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw CertificateAuthorityError.cannotCreate(path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        // The umask may have taken bits away; set exactly `mode`.
        fchmod(descriptor, mode)
        if let error = Array(text.utf8).withUnsafeBytes({ DescriptorWriter.writeAll(descriptor, $0).errno }) {
            unlink(path)
            throw CertificateAuthorityError.cannotCreate(path, reason: String(cString: strerror(error)))
        }
    }
}
