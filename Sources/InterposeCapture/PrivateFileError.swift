import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why `PrivateFile` would not or could not open a file, as one line naming the path:
/// `/dev/null is a character device: captured traffic is written to regular files only`.
public struct PrivateFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path given.
    public let path: String
    /// What is wrong, after the path.
    public let problem: String
    /// The system's `errno`, or 0 when the path was refused for what it is.
    public let errno: Int32

    /// The path exists and is `kind` (`a FIFO`), not a regular file.
    public init(path: String, kind: String) {
        self.path = path
        self.problem = "is \(kind): captured traffic is written to regular files only (give a file path)"
        self.errno = 0
    }

    /// Any other problem with the path (`is a regular file, not a directory`).
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
        self.errno = 0
    }

    /// The system refused (`ENOENT`, `EACCES`, `ENOSPC`).
    public init(path: String, errno: Int32) {
        self.path = path
        self.problem = ": " + (strerror(errno).map { String(cString: $0) } ?? "error \(errno)")
        self.errno = errno
    }

    /// `PATH is a FIFO: ...` or `PATH: No such file or directory`.
    public var description: String { problem.hasPrefix(":") ? "\(path)\(problem)" : "\(path) \(problem)" }

    /// The reason without the path, for callers that name the path themselves.
    public var reason: String { problem.hasPrefix(": ") ? String(problem.dropFirst(2)) : problem }
}
