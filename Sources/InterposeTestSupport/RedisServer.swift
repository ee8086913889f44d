import Foundation

/// A real redis-server on a free loopback port, for as long as the value lives.
public final class RedisServer: @unchecked Sendable {
    /// Its port.
    public let port: UInt16
    private let process: BackgroundProcess

    /// Starts redis-server without persistence and waits until it answers PING.
    /// - Parameter arguments: more configuration, e.g. `["--rename-command", "INCR", "INCR_RENAMED"]`
    ///   for a server whose build changed a command.
    public init(arguments: [String] = []) throws {
        let server = try ProcessRunner.require("redis-server", package: "redis-server")
        _ = try ProcessRunner.require("redis-cli", package: "redis-tools")
        port = FreePort.next()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("redis-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        process = try BackgroundProcess(
            server,
            ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.path]
                + arguments)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let ping = try ProcessRunner.run("redis-cli", ["-p", "\(port)", "PING"], timeout: 5)
            // With --requirepass the server answers NOAUTH: it is up.
            if ping.stdoutText.contains("PONG") || ping.stdoutText.contains("NOAUTH") { return }
            usleep(50_000)
        }
        throw ProcessRunner.LaunchError(
            description: "redis-server on port \(port) did not answer PING: \(process.stderrText)")
    }

    /// Stops the server.
    public func stop() { process.stop() }

    deinit { process.stop() }
}
