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
        file =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-server-\(UUID().uuidString).py")
            .path
        try Data(script.utf8).write(to: URL(fileURLWithPath: file))
        process = try BackgroundProcess(python, [file, String(port)])
        if BlockingSocket.waitForListener(port: port) { return }
        process.stop()
        throw ProcessRunner.LaunchError(description: "scripted server did not listen on \(port): \(process.stderrText)")
    }

    /// A server that, on each connection, reads until `condition` (a Python expression over the
    /// bytes read so far, `data`; by default one HTTP request head is in) and then runs `answer`,
    /// Python statements with the socket as `c` (and `socket`, `struct` imported), then closes it.
    public static func answeringOneRequest(
        until condition: String = #"b"\r\n\r\n" in data"#, with answer: String
    ) throws -> ScriptedServer {
        let body = answer.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(
            separator: "\n")
        return try ScriptedServer(
            python: """
                import socket, struct, sys
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
                while True:
                    c, _ = s.accept(); data = b""
                    while not (\(condition)):
                        chunk = c.recv(65536)
                        if not chunk: break
                        data += chunk
                \(body)
                    c.close()
                """)
    }

    deinit { stop() }

    /// Stops the server.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: file)
    }
}
