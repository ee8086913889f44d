import Foundation

/// `interpose demo-service` running as its own process on a loopback port the kernel chose
/// (`--listen 127.0.0.1:0`, the bound port read back from its readiness line), for tests that
/// replay against an old and a new build. Stopped by `stop()` or when released.
public final class DemoServiceProcess: @unchecked Sendable {
    /// The process.
    public let background: BackgroundProcess
    /// The build it serves (1 or 2).
    public let build: Int
    /// The port it listens on.
    public let port: UInt16

    /// `127.0.0.1:PORT`, as `--target`, `--baseline` and `--upstream` take it.
    public var address: String { "127.0.0.1:\(port)" }

    /// Starts build `build` (counters in the redis-server on `redisPort`, when given) and waits for
    /// its `demo-service build N listening on 127.0.0.1:PORT` line.
    public init(build: Int, redisPort: UInt16? = nil) throws {
        var arguments = ["demo-service", "--listen", "127.0.0.1:0", "--build", "\(build)"]
        if let redisPort { arguments += ["--redis", "127.0.0.1:\(redisPort)"] }
        self.build = build
        background = try BackgroundProcess(InterposeBinary.path, arguments)
        let log = try background.waitForOutput(containing: "listening on", timeout: 30)
        guard let line = log.split(separator: "\n").first(where: { $0.contains("listening on") }),
            let port = line.split(separator: ":").last.flatMap({ UInt16($0.trimmingCharacters(in: .whitespaces)) }),
            port != 0
        else {
            background.stop()
            throw ProcessRunner.LaunchError(description: "demo-service printed no port: \(log)")
        }
        self.port = port
    }

    /// Stops the service.
    public func stop() { background.stop() }

    deinit { background.stop() }
}
