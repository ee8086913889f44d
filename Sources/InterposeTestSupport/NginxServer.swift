import Foundation

/// A real nginx serving static files on a free loopback port from a temporary directory, for
/// tests that capture HTTP/1.1 traffic. Stopped by `stop()` or when released.
public final class NginxServer: @unchecked Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: UInt16
    /// The document root: put files here (`index.html` and a 300 KB `big.bin` are there already).
    public let root: String
    private let directory: String
    private let process: BackgroundProcess

    /// Writes a configuration and starts nginx in the foreground.
    /// - Parameter httpDirectives: more directives for the `http` block (`gzip on;`).
    /// - Throws: when nginx is missing (install `nginx`) or does not accept connections within 10 s.
    public init(httpDirectives: String = "") throws {
        let nginx = try ProcessRunner.require("nginx", package: "nginx")
        port = FreePort.next()
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-nginx-\(UUID().uuidString)").path
        root = directory + "/www"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("<html><body>hello from nginx</body></html>\n".utf8).write(
            to: URL(fileURLWithPath: root + "/index.html"))
        var generator = SystemRandomNumberGenerator()
        let big = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(big).write(to: URL(fileURLWithPath: root + "/big.bin"))
        let configuration = NginxServer.configuration(
            directory: directory,
            http: """
                keepalive_requests 100000;
                \(httpDirectives)
                server {
                    listen 127.0.0.1:\(port);
                    root \(root);
                }
                """)
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: directory + "/nginx.conf"))
        process = try BackgroundProcess(
            nginx, ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/error.log"])
        if BlockingSocket.waitForListener(port: port) { return }
        process.stop()
        throw ProcessRunner.LaunchError(description: "nginx did not listen on 127.0.0.1:\(port): \(process.stderrText)")
    }

    /// A whole nginx configuration for a test: foreground, everything nginx writes (pid, logs,
    /// temporary files) kept in `directory`, and `http` (directives and server blocks) in the
    /// `http` block.
    public static func configuration(directory: String, http: String) -> String {
        let indented = http.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
            .joined(separator: "\n")
        return """
            daemon off;
            worker_processes 1;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
            \(indented)
            }
            """
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
