import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program started with `posix_spawn`, for the test support's runners.
///
/// Written by hand instead of using Foundation's `Process` because `Process.run()` in the
/// Swift 6.3 toolchain lists `/proc/self/fd` by copying each `dirent`'s whole 256-byte name
/// field, which reads past glibc's buffer and crashes the test process (SIGSEGV in `memcpy`)
/// once enough descriptors are open (swift-corelibs-foundation pull request 5472, fixed after
/// 6.3.1). swift-subprocess avoids it but only offers `async` calls, and the runners' callers
/// are synchronous. The child closes every descriptor above 2 with glibc's
/// `posix_spawn_file_actions_addclosefrom_np`, so nothing is inherited by accident.
public final class ChildProcess: @unchecked Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// Starts a program.
    /// - Parameters:
    ///   - path: the program's full path.
    ///   - arguments: its arguments (without the program name).
    ///   - environment: its whole environment.
    ///   - currentDirectory: where it starts, or `nil` for ours.
    ///   - stdin: the descriptor it reads as standard input.
    ///   - stdout: the descriptor it writes as standard output.
    ///   - stderr: the descriptor it writes as standard error.
    public init(
        path: String, arguments: [String], environment: [String: String], currentDirectory: String?,
        stdin: Int32, stdout: Int32, stderr: Int32
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] {
            posix_spawn_file_actions_adddup2(&actions, source, target)
        }
        let functions = try SpawnExtensions.shared()
        guard functions.addCloseFrom(&actions, 3) == 0 else {
            throw ProcessRunner.LaunchError(description: "\(path): cannot arrange to close inherited descriptors")
        }
        if let currentDirectory {
            let result = currentDirectory.withCString { functions.addChdir(&actions, $0) }
            guard result == 0 else {
                throw ProcessRunner.LaunchError(
                    description: "\(path): cannot start in \(currentDirectory): \(String(cString: strerror(result)))")
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, as Foundation's Process does, so a terminal's signals reach only us.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw ProcessRunner.LaunchError(description: "\(path): cannot start: \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// Whether it has not exited yet (reaps it when it has).
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Waits for it to exit.
    /// - Returns: its exit status, or 128 + the signal number when a signal ended it.
    @discardableResult
    public func waitUntilExit() -> Int32 { reap(blocking: true) ?? -1 }

    /// Its exit status once it has exited (128 + signal number when killed), else `nil`.
    public var exitStatus: Int32? { reap(blocking: false) }

    /// Sends a signal while it still runs.
    public func signal(_ sig: Int32) {
        if isRunning { kill(pid, sig) }
    }

    private func reap(blocking: Bool) -> Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(pid, &raw, blocking ? 0 : WNOHANG)
        } while result == -1 && errno == EINTR
        guard result == pid else { return nil }
        // WIFEXITED / WTERMSIG spelled out: the C macros are not imported into Swift.
        let signal = raw & 0x7f
        let exit = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        status = exit
        return exit
    }
}

/// The glibc spawn extensions Swift's Glibc module does not import (they sit behind
/// `_GNU_SOURCE`), looked up once.
private struct SpawnExtensions: @unchecked Sendable {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    var addCloseFrom: AddCloseFrom
    var addChdir: AddChdir

    private static let resolved: SpawnExtensions? = {
        let handle = dlopen(nil, RTLD_NOW)
        guard let closeFrom = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np"),
            let chdir = dlsym(handle, "posix_spawn_file_actions_addchdir_np")
        else { return nil }
        return SpawnExtensions(
            addCloseFrom: unsafeBitCast(closeFrom, to: AddCloseFrom.self),
            addChdir: unsafeBitCast(chdir, to: AddChdir.self))
    }()

    static func shared() throws -> SpawnExtensions {
        guard let resolved else {
            throw ProcessRunner.LaunchError(
                description:
                    "this C library has no posix_spawn_file_actions_addclosefrom_np (glibc 2.34 or newer needed)")
        }
        return resolved
    }
}
