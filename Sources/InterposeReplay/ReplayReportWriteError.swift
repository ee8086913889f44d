/// Why `ReplayReportWriter` could not write a report: which path, what the system said, and
/// what to do about it.
public enum ReplayReportWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The report directory (or one of its parents) could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// The report path exists and is not a directory.
    case notADirectory(path: String)
    /// A report file could not be written (no space, no permission, an I/O error).
    case cannotWrite(path: String, reason: String)

    /// One line naming the path, the reason and what to do.
    public var description: String {
        switch self {
        case .cannotCreateDirectory(let path, let reason):
            return "cannot create report directory \(path): \(reason) (choose another --report directory)"
        case .notADirectory(let path):
            return
                "cannot write the report into \(path): it exists and is not a directory (choose another --report directory)"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason) (free space or choose another --report directory)"
        }
    }
}
