import Foundation
import InterposeTestSupport

/// A real mosquitto broker on a free loopback port, anonymous access allowed. Stopped by `stop()`
/// or when released.
final class MosquittoBroker: @unchecked Sendable {
    /// The port it listens on (127.0.0.1).
    let port: UInt16
    private let directory: String
    private let process: BackgroundProcess

    init() throws {
        let mosquitto = try ProcessRunner.require("mosquitto", package: "mosquitto")
        port = FreePort.next()
        directory =
            FileManager.default.temporaryDirectory.appendingPathComponent("interpose-mosquitto-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration = """
            listener \(port) 127.0.0.1
            allow_anonymous true
            persistence false
            log_dest stderr
            log_type all
            """
        try Data(configuration.utf8).write(to: URL(fileURLWithPath: directory + "/mosquitto.conf"))
        process = try BackgroundProcess(mosquitto, ["-c", directory + "/mosquitto.conf"])
        if BlockingSocket.waitForListener(port: port) { return }
        process.stop()
        throw ServerStartError(description: "mosquitto did not listen on 127.0.0.1:\(port): \(process.stderrText)")
    }

    /// Waits until the broker logs `text` (`Sending SUBACK`).
    func waitForLog(containing text: String, timeout: Double = 20) throws {
        try process.waitForOutput(containing: text, timeout: timeout)
    }

    deinit {
        stop()
    }

    /// Stops the broker and removes its directory.
    func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
