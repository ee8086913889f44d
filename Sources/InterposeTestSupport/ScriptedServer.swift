import Foundation

/// A small misbehaving server written in Python for a test: it answers the way the test needs
/// (responses out of order, a reset in the middle of a body, a wrong Content-Length), so checks
/// can be proven against real sockets. The script gets the port as `sys.argv[1]` and must serve
/// on 127.0.0.1 until killed.
public final class ScriptedServer: @unchecked Sendable {
    /// Its port (127.0.0.1).
    public let port: UInt16
    private let process: BackgroundProcess
    private let file: String

    /// Writes the script to a temporary file, starts it and waits until it accepts connections.
    public init(python script: String) throws {
        let python = try ProcessRunner.require("python3", package: "python3")
        port = FreePort.next()
        file = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-server-\(UUID().uuidString).py").path
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        process = try BackgroundProcess(python, [file, String(port)])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let socket = try? BlockingSocket.connect(host: "127.0.0.1", port: port, timeout: 1) {
                socket.close()
                return
            }
            usleep(50_000)
        }
        process.stop()
        throw ProcessRunner.LaunchError(description: "scripted server did not listen on \(port): \(process.stderrText)")
    }

    deinit { stop() }

    /// Stops the server.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: file)
    }
}
