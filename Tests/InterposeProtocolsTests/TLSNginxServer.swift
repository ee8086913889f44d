import Foundation
import InterposeTestSupport

/// nginx terminating TLS on two free loopback ports: one with a fresh self-signed certificate
/// for `test.local` (TLS 1.2 and 1.3), one with a certificate that expired in 2021 (made with
/// `openssl ca -startdate/-enddate`, as OpenSSL 3.0's `x509` cannot backdate). Stopped by
/// `stop()` or when released.
final class TLSNginxServer: @unchecked Sendable {
    /// The port with the valid certificate.
    let port: UInt16
    /// The port with the expired certificate.
    let expiredPort: UInt16
    /// A port accepting only the P-256 key share: a client that sends an X25519 share first gets a
    /// HelloRetryRequest.
    let retryPort: UInt16
    /// The valid certificate's DER.
    let certificateDER: [UInt8]
    private let directory: String
    private let process: BackgroundProcess

    init() throws {
        let nginx = try ProcessRunner.require("nginx", package: "nginx")
        let openssl = try ProcessRunner.require("openssl", package: "openssl")
        port = FreePort.next()
        var other = FreePort.next()
        while other == port { other = FreePort.next() }
        expiredPort = other
        var third = FreePort.next()
        while third == port || third == other { third = FreePort.next() }
        retryPort = third
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "interpose-tls-\(UUID().uuidString)"
        ).path
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory + "/db", withIntermediateDirectories: true)
        func run(_ arguments: [String]) throws {
            let result = try ProcessRunner.run(openssl, arguments, timeout: 60, currentDirectory: directory)
            guard result.status == 0 else {
                throw ServerStartError(description: "openssl \(arguments.joined(separator: " ")): \(result.stderrText)")
            }
        }
        try run([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "good.key", "-out", "good.pem", "-days", "30",
            "-subj", "/CN=test.local", "-addext", "subjectAltName=DNS:test.local",
        ])
        try run(["x509", "-in", "good.pem", "-outform", "DER", "-out", "good.der"])
        certificateDER = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/good.der")))
        try run([
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "old.key", "-out", "old.csr", "-subj", "/CN=old.local",
        ])
        try Data().write(to: URL(fileURLWithPath: directory + "/db/index.txt"))
        try Data("01\n".utf8).write(to: URL(fileURLWithPath: directory + "/db/serial"))
        let authority = """
            [ ca ]
            default_ca = test
            [ test ]
            database = \(directory)/db/index.txt
            serial = \(directory)/db/serial
            new_certs_dir = \(directory)/db
            default_md = sha256
            policy = anything
            [ anything ]
            commonName = supplied
            """
        try Data(authority.utf8).write(to: URL(fileURLWithPath: directory + "/ca.cnf"))
        try run([
            "ca", "-batch", "-config", "ca.cnf", "-selfsign", "-keyfile", "old.key", "-in", "old.csr", "-out",
            "old.pem",
            "-startdate", "20200101000000Z", "-enddate", "20210101000000Z",
        ])
        let configuration = NginxServer.configuration(
            directory: directory,
            http: """
                ssl_protocols TLSv1.2 TLSv1.3;
                server {
                    listen 127.0.0.1:\(port) ssl;
                    server_name test.local;
                    ssl_certificate \(directory)/good.pem;
                    ssl_certificate_key \(directory)/good.key;
                    location / { return 200 "hello over tls\\n"; }
                }
                server {
                    listen 127.0.0.1:\(expiredPort) ssl;
                    server_name old.local;
                    ssl_certificate \(directory)/old.pem;
                    ssl_certificate_key \(directory)/old.key;
                    location / { return 200 "hello from the past\\n"; }
                }
                server {
                    listen 127.0.0.1:\(retryPort) ssl;
                    ssl_certificate \(directory)/good.pem;
                    ssl_certificate_key \(directory)/good.key;
                    ssl_ecdh_curve prime256v1;
                    location / { return 200 "hello after a retry\\n"; }
                }
                """)
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: directory + "/nginx.conf"))
        process = try BackgroundProcess(
            nginx, ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/error.log"])
        if [port, expiredPort, retryPort].allSatisfy({ BlockingSocket.waitForListener(port: $0) }) { return }
        process.stop()
        throw ServerStartError(description: "nginx (TLS) did not listen: \(process.stderrText)")
    }

    deinit {
        stop()
    }

    /// Stops nginx and removes its directory.
    func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
