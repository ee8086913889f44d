import Foundation

/// `interpose proxy` running as its own process, the way users run it.
public final class InterposeProcess: @unchecked Sendable {
    /// The process.
    public let background: BackgroundProcess
    /// The port it listens on.
    public let port: UInt16

    /// Starts `interpose proxy --listen 127.0.0.1:PORT --upstream UPSTREAM` plus `extra` arguments,
    /// and waits for its "listening on" line.
    public init(upstream: String, extra: [String] = []) throws {
        port = FreePort.next()
        background = try BackgroundProcess(
            InterposeBinary.path, ["proxy", "--listen", "127.0.0.1:\(port)", "--upstream", upstream] + extra)
        try background.waitForOutput(containing: "listening on", timeout: 30)
    }

    /// Sends SIGTERM and waits for the exit status.
    public func terminate(timeout: Double = 20) -> Int32? {
        background.signal(SIGTERM)
        return background.waitForExit(timeout: timeout)
    }

    deinit { background.stop() }
}
