import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running program a test starts (a server, the proxy, tcpdump), with its output in files
/// so the test can wait for a readiness line and read what it printed.
///
/// Stopped (SIGTERM, then SIGKILL after a grace period) by `stop()` or when released.
public final class BackgroundProcess: @unchecked Sendable {
    /// The running process.
    public let process: ChildProcess
    /// Where its standard output goes.
    public let stdoutPath: String
    /// Where its standard error goes.
    public let stderrPath: String
    private let lock = NSLock()
    private var stopped = false

    /// Starts a program in the background.
    /// - Parameters:
    ///   - executable: a program name or path.
    ///   - arguments: its arguments.
    ///   - environment: extra environment variables.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:],
        currentDirectory: String? = nil
    ) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("interpose-bg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        stdoutPath = dir.appendingPathComponent("stdout").path
        stderrPath = dir.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        let nullDevice = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer {
            try? output.close()
            try? errors.close()
            close(nullDevice)
        }
        process = try ProcessRunner.makeProcess(
            executable, arguments, environment: environment, currentDirectory: currentDirectory,
            stdin: nullDevice, stdout: output.fileDescriptor, stderr: errors.fileDescriptor)
    }

    deinit {
        stop()
    }

    /// The process id.
    public var pid: Int32 { process.pid }

    /// What it has written to standard output so far.
    public var stdoutText: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// What it has written to standard error so far.
    public var stderrText: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits until standard output or standard error contains `text`.
    /// - Returns: the text of the stream that matched.
    /// - Throws: when the process exits first or `timeout` seconds pass, with what it printed.
    @discardableResult
    public func waitForOutput(containing text: String, timeout: Double = 20) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let err = stderrText
            if err.contains(text) { return err }
            let out = stdoutText
            if out.contains(text) { return out }
            if let status = process.exitStatus {
                throw ProcessRunner.LaunchError(
                    description: "process exited (\(status)) before printing '\(text)': \(err) \(out)")
            }
            usleep(10_000)
        }
        throw ProcessRunner.LaunchError(
            description: "timed out after \(timeout)s waiting for '\(text)'; stderr: \(stderrText)")
    }

    /// Sends a signal.
    public func signal(_ sig: Int32) {
        process.signal(sig)
    }

    /// Waits for the process to exit on its own.
    /// - Returns: its exit status, or `nil` when it still runs after `timeout` seconds.
    public func waitForExit(timeout: Double) -> Int32? {
        guard ProcessRunner.waitForExit(process, timeout: timeout) else { return nil }
        return process.waitUntilExit()
    }

    /// Stops it: SIGTERM, then SIGKILL if it is still running after `grace` seconds.
    public func stop(grace: Double = 5) {
        lock.lock()
        let already = stopped
        stopped = true
        lock.unlock()
        guard !already else { return }
        if process.isRunning {
            kill(process.pid, SIGTERM)
            if !ProcessRunner.waitForExit(process, timeout: grace) {
                kill(process.pid, SIGKILL)
            }
        }
        process.waitUntilExit()
    }
}
