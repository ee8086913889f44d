import Foundation

/// A real nginx for TLS interception tests, on three loopback ports serving the same answers:
/// `tlsPort` with a certificate for `api.test` and 127.0.0.1 signed by a test CA made here with
/// openssl (HTTP/2 and HTTP/1.1 by ALPN), `untrustedPort` with a self-signed certificate no one
/// trusts, and `plainPort` without TLS (what a replay of a decrypted capture can go to).
///
/// Every location answers `200` with `hello <uri> over <protocol>`; `/big` answers 200 KB of a
/// fixed pattern. Stopped by `stop()` or when released.
public final class TLSUpstreamServer: @unchecked Sendable {
    /// The server name on the trusted certificate.
    public static let serverName = "api.test"
    /// TLS, certificate signed by `caPath`'s CA.
    public let tlsPort: UInt16
    /// TLS, self-signed certificate for `api.test`.
    public let untrustedPort: UInt16
    /// Plain HTTP/1.1.
    public let plainPort: UInt16
    /// The test CA's certificate (PEM): pass it as `--upstream-ca`.
    public let caPath: String
    /// The directory everything lives in.
    public let directory: String
    private let process: BackgroundProcess

    /// Makes the CA and certificates with openssl and starts nginx.
    /// - Throws: when nginx or openssl is missing, or nginx does not listen within 10 s.
    public init() throws {
        let nginx = try ProcessRunner.require("nginx", package: "nginx")
        let openssl = try ProcessRunner.require("openssl", package: "openssl")
        var ports: [UInt16] = []
        while ports.count < 3 {
            let port = FreePort.next()
            if !ports.contains(port) { ports.append(port) }
        }
        (tlsPort, untrustedPort, plainPort) = (ports[0], ports[1], ports[2])
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "interpose-tls-upstream-\(UUID().uuidString)"
            ).path
        caPath = directory + "/upstream-ca.pem"
        try FileManager.default.createDirectory(atPath: directory + "/www", withIntermediateDirectories: true)
        let directory = self.directory
        func run(_ arguments: [String]) throws {
            let result = try ProcessRunner.run(openssl, arguments, timeout: 60, currentDirectory: directory)
            guard result.status == 0 else {
                throw ProcessRunner.LaunchError(
                    description: "openssl \(arguments.joined(separator: " ")): \(result.stderrText)")
            }
        }
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "upstream-ca.key", "-out", "upstream-ca.pem", "-days", "30", "-subj", "/CN=Interpose test upstream CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try run([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out",
            "server.csr", "-subj", "/CN=\(Self.serverName)",
        ])
        try Data("subjectAltName=DNS:\(Self.serverName),IP:127.0.0.1\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: directory + "/server.ext"))
        try run([
            "x509", "-req", "-in", "server.csr", "-CA", "upstream-ca.pem", "-CAkey", "upstream-ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "30", "-extfile", "server.ext",
        ])
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "self.key", "-out", "self.pem", "-days", "30", "-subj", "/CN=\(Self.serverName)", "-addext",
            "subjectAltName=DNS:\(Self.serverName),IP:127.0.0.1",
        ])
        let pattern = String(repeating: "0123456789abcdef", count: 12_500)
        try Data(pattern.utf8).write(to: URL(fileURLWithPath: directory + "/www/big"))
        let locations = """
                root \(directory)/www;
                location = /big { default_type application/octet-stream; }
                location / { default_type text/plain; return 200 "hello $uri over $server_protocol\\n"; }
            """
        let configuration = NginxServer.configuration(
            directory: directory,
            http: """
                server {
                    listen 127.0.0.1:\(tlsPort) ssl http2;
                    server_name \(Self.serverName);
                    ssl_certificate \(directory)/server.pem;
                    ssl_certificate_key \(directory)/server.key;
                \(locations)
                }
                server {
                    listen 127.0.0.1:\(untrustedPort) ssl;
                    ssl_certificate \(directory)/self.pem;
                    ssl_certificate_key \(directory)/self.key;
                \(locations)
                }
                server {
                    listen 127.0.0.1:\(plainPort);
                \(locations)
                }
                """)
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: directory + "/nginx.conf"))
        process = try BackgroundProcess(
            nginx, ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/error.log"])
        if [tlsPort, untrustedPort, plainPort].allSatisfy({ BlockingSocket.waitForListener(port: $0) }) { return }
        process.stop()
        throw ProcessRunner.LaunchError(description: "nginx (TLS upstream) did not listen: \(process.stderrText)")
    }

    deinit {
        stop()
    }

    /// Stops nginx and removes its directory.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
