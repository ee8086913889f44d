import Foundation
import InterposeTLS
import InterposeTestSupport
import X509
import XCTest

/// The interception CA on disk, and the leaf certificates it issues checked by openssl itself.
final class CertificateAuthorityTests: XCTestCase {
    private var work = ""

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-ca-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: work)
    }

    private func permissions(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try XCTUnwrap((attributes[.posixPermissions] as? NSNumber)?.intValue)
    }

    private func openssl(_ arguments: [String], stdin: Data? = nil) throws -> ProcessRunner.Result {
        try ProcessRunner.run(
            try ProcessRunner.require("openssl", package: "openssl"), arguments, stdin: stdin, timeout: 30)
    }

    func testCreatedOnFirstUseWithOwnerOnlyKeyAndLoadedAgainUnchanged() throws {
        let directory = work + "/nested/ca"
        let created = try CertificateAuthority(directory: directory)
        XCTAssertTrue(created.created)
        XCTAssertEqual(try permissions(directory), 0o700)
        XCTAssertEqual(try permissions(directory + "/" + CertificateAuthority.keyFileName), 0o600)
        XCTAssertEqual(try permissions(directory + "/" + CertificateAuthority.certificateFileName), 0o644)
        let loaded = try CertificateAuthority(directory: directory)
        XCTAssertFalse(loaded.created)
        XCTAssertEqual(loaded.certificatePEM, created.certificatePEM)
        XCTAssertEqual(loaded.certificate, created.certificate)
    }

    func testLeafForANameVerifiesWithOpensslAgainstTheCA() throws {
        let authority = try CertificateAuthority(directory: work + "/ca")
        let leaf = try authority.leafCertificate(for: "API.Internal.Example")
        let leafPath = work + "/leaf.pem"
        try leaf.serializeAsPEM().pemString.write(toFile: leafPath, atomically: true, encoding: .utf8)
        let verify = try openssl([
            "verify", "-CAfile", work + "/ca/" + CertificateAuthority.certificateFileName, "-purpose", "sslserver",
            "-verify_hostname", "api.internal.example", leafPath,
        ])
        XCTAssertEqual(verify.status, 0, verify.stdoutText + verify.stderrText)
        XCTAssertTrue(verify.stdoutText.contains("OK"), verify.stdoutText)
        let wrongName = try openssl([
            "verify", "-CAfile", work + "/ca/" + CertificateAuthority.certificateFileName, "-verify_hostname",
            "other.example", leafPath,
        ])
        XCTAssertNotEqual(wrongName.status, 0, "the leaf is for its own name only")
        XCTAssertTrue(try authority.leafCertificate(for: "api.internal.example") == leaf, "issued once, reused")
    }

    func testLeafForAnAddressHasAnIPAddressEntry() throws {
        let authority = try CertificateAuthority(directory: work + "/ca")
        for address in ["10.1.2.3", "fd00::7"] {
            let leafPath = work + "/leaf-\(address).pem"
            try authority.leafCertificate(for: address).serializeAsPEM().pemString
                .write(toFile: leafPath, atomically: true, encoding: .utf8)
            let verify = try openssl([
                "verify", "-CAfile", work + "/ca/" + CertificateAuthority.certificateFileName, "-verify_ip", address,
                leafPath,
            ])
            XCTAssertEqual(verify.status, 0, verify.stdoutText + verify.stderrText)
        }
    }

    func testLooseKeyPermissionsAreRefused() throws {
        _ = try CertificateAuthority(directory: work + "/ca")
        let key = work + "/ca/" + CertificateAuthority.keyFileName
        chmod(key, 0o640)
        XCTAssertThrowsError(try CertificateAuthority(directory: work + "/ca")) { error in
            XCTAssertEqual(
                "\(error)",
                "the CA key \(key) has mode 0640, open to other users; run `chmod 600 \(key)` "
                    + "(it must be readable by its owner only)")
        }
    }

    func testDirectoryWritableByOthersIsRefused() throws {
        _ = try CertificateAuthority(directory: work + "/ca")
        chmod(work + "/ca", 0o777)
        XCTAssertThrowsError(try CertificateAuthority(directory: work + "/ca")) { error in
            XCTAssertTrue("\(error)".contains("can be written by other users; run `chmod 700"), "\(error)")
        }
    }

    func testKeyOfAnotherCAIsRefused() throws {
        _ = try CertificateAuthority(directory: work + "/one")
        _ = try CertificateAuthority(directory: work + "/two")
        let key = CertificateAuthority.keyFileName
        try FileManager.default.removeItem(atPath: work + "/one/" + key)
        try FileManager.default.copyItem(atPath: work + "/two/" + key, toPath: work + "/one/" + key)
        XCTAssertThrowsError(try CertificateAuthority(directory: work + "/one")) { error in
            XCTAssertTrue("\(error)".contains("its public key does not match"), "\(error)")
        }
    }

    func testGarbageInTheCertificateFileIsAClearError() throws {
        _ = try CertificateAuthority(directory: work + "/ca")
        try "not a certificate\n".write(
            toFile: work + "/ca/" + CertificateAuthority.certificateFileName, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CertificateAuthority(directory: work + "/ca")) { error in
            XCTAssertTrue("\(error)".contains("is not a usable CA file: not a certificate in PEM"), "\(error)")
        }
    }
}
