import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs real programs for tests: one-shot commands with a time limit, and background servers
/// whose output is watched for a readiness line.
///
/// Every process has a deadline; nothing a test starts outlives it.
public enum ProcessRunner {
    /// What a finished command left behind.
    public struct Result: Sendable {
        /// The exit status, or 128 + signal number when killed by a signal.
        public var status: Int32
        /// Everything written to standard output.
        public var stdout: Data
        /// Everything written to standard error.
        public var stderr: Data
        /// Whether the command ran past its time limit and was killed.
        public var timedOut: Bool

        /// Standard output as UTF-8 text (invalid bytes replaced).
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        /// Standard error as UTF-8 text (invalid bytes replaced).
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// An error starting a program.
    public struct LaunchError: Error, CustomStringConvertible {
        /// What went wrong, naming the program.
        public var description: String
    }

    /// Finds a program on `PATH` (and the usual system directories).
    /// - Returns: its full path, or `nil` when it is not installed.
    public static func which(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs =
            path.split(separator: ":").map(String.init) + [
                "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                "/usr/bin", "/sbin", "/bin",
            ]
        for dir in dirs {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Finds a program or throws a message telling how to install it (tests fail, never skip).
    public static func require(_ name: String, package: String? = nil) throws -> String {
        guard let path = which(name) else {
            throw LaunchError(
                description: "\(name) is not installed: run scripts/test (it installs \(package ?? name) with apt-get)")
        }
        return path
    }

    /// Runs a command to completion, killing it after `timeout` seconds.
    /// - Parameters:
    ///   - executable: a program name (looked up on PATH) or a path.
    ///   - arguments: its arguments.
    ///   - stdin: bytes fed to standard input (then closed).
    ///   - timeout: seconds before SIGKILL.
    ///   - environment: extra environment variables.
    /// - Returns: status and output.
    @discardableResult
    public static func run(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, timeout: Double = 60,
        environment: [String: String] = [:], currentDirectory: String? = nil
    ) throws -> Result {
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        let nullDevice = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(nullDevice) }
        let process = try makeProcess(
            executable, arguments, environment: environment, currentDirectory: currentDirectory,
            stdin: stdin == nil ? nullDevice : inPipe.fileHandleForReading.fileDescriptor,
            stdout: outPipe.fileHandleForWriting.fileDescriptor,
            stderr: errPipe.fileHandleForWriting.fileDescriptor)
        // The child holds its own copies now; ours would keep the readers from ever seeing the end.
        try? outPipe.fileHandleForWriting.close()
        try? errPipe.fileHandleForWriting.close()
        try? inPipe.fileHandleForReading.close()
        // Drain both pipes concurrently so a chatty program never blocks on a full pipe.
        let group = DispatchGroup()
        let box = OutputBox()
        group.enter()
        DispatchQueue.global().async {
            box.setOut(outPipe.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        group.enter()
        DispatchQueue.global().async {
            box.setErr(errPipe.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        if let stdin {
            DispatchQueue.global().async {
                inPipe.fileHandleForWriting.write(stdin)
                try? inPipe.fileHandleForWriting.close()
            }
        } else {
            try? inPipe.fileHandleForWriting.close()
        }
        let timedOut = !waitForExit(process, timeout: timeout)
        if timedOut {
            kill(process.pid, SIGKILL)
        }
        let status = process.waitUntilExit()
        group.wait()
        return Result(status: status, stdout: box.out, stderr: box.err, timedOut: timedOut)
    }

    /// Waits for a process to exit.
    /// - Returns: `false` when it was still running after `timeout` seconds.
    public static func waitForExit(_ process: ChildProcess, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline { return false }
            usleep(5_000)
        }
        return true
    }

    static func makeProcess(
        _ executable: String, _ arguments: [String], environment: [String: String], currentDirectory: String?,
        stdin: Int32, stdout: Int32, stderr: Int32
    ) throws -> ChildProcess {
        guard let path = which(executable) else {
            throw LaunchError(description: "\(executable) is not installed: run scripts/test to install it")
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        return try ChildProcess(
            path: path, arguments: arguments, environment: env, currentDirectory: currentDirectory,
            stdin: stdin, stdout: stdout, stderr: stderr)
    }
}

/// Collects the two output streams from the reader threads.
private final class OutputBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _out = Data()
    private var _err = Data()
    func setOut(_ d: Data) { lock.lock(); _out = d; lock.unlock() }
    func setErr(_ d: Data) { lock.lock(); _err = d; lock.unlock() }
    var out: Data { lock.lock(); defer { lock.unlock() }; return _out }
    var err: Data { lock.lock(); defer { lock.unlock() }; return _err }
}
