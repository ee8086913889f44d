import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one way files that hold captured traffic are opened for writing: capture files (proxy,
/// sniff, replay), TLS key logs, and the replay, diff and check reports that quote bodies.
///
/// Such a file is a regular file readable by its owner only. An existing path that is not a
/// regular file (a device such as `/dev/null`, a FIFO, a directory, a socket, a symbolic link)
/// is refused with one line and left exactly as it was: never opened for truncation, never
/// chmod'ed. A new file is created mode 0600 with `O_NOFOLLOW`; an existing regular file is
/// made 0600 on the opened descriptor (`fchmod`), so the mode lands on the file that was
/// checked, not on whatever the path points to by then.
public enum PrivateFile {
    /// What happens to an existing file's contents.
    public enum Disposition: Sendable {
        /// Start it empty (a capture, a report).
        case truncate
        /// Write after what is there (a key log).
        case append
    }

    /// The mode every such file gets.
    public static let mode: mode_t = 0o600

    /// Opens `path` for writing as a private regular file.
    /// - Parameters:
    ///   - path: the file.
    ///   - disposition: truncate or append.
    /// - Returns: the open descriptor (blocking, close-on-exec); the caller closes it.
    /// - Throws: `PrivateFileError` naming the path and what it is, or the system's reason.
    public static func open(_ path: String, _ disposition: Disposition) throws(PrivateFileError) -> Int32 {
        var status = stat()
        if lstat(path, &status) == 0 {
            if let kind = nonRegularKind(status.st_mode) { throw PrivateFileError(path: path, kind: kind) }
        }
        // O_NONBLOCK: should a FIFO be swapped in after the check, opening it must not hang
        // waiting for a reader (the fstat below then refuses it).
        var flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
        if disposition == .append { flags |= O_APPEND }
        let descriptor = Glibc.open(path, flags, PrivateFile.mode)
        guard descriptor >= 0 else {
            let code = errno
            switch code {
            case ELOOP: throw PrivateFileError(path: path, kind: "a symbolic link")
            case EISDIR: throw PrivateFileError(path: path, kind: "a directory")
            case ENXIO: throw PrivateFileError(path: path, kind: "a FIFO")
            default: throw PrivateFileError(path: path, errno: code)
            }
        }
        func fail(_ error: PrivateFileError) -> PrivateFileError {
            close(descriptor)
            return error
        }
        guard fstat(descriptor, &status) == 0 else { throw fail(PrivateFileError(path: path, errno: errno)) }
        if let kind = nonRegularKind(status.st_mode) { throw fail(PrivateFileError(path: path, kind: kind)) }
        let current = fcntl(descriptor, F_GETFL)
        guard current >= 0, fcntl(descriptor, F_SETFL, current & ~O_NONBLOCK) == 0 else {
            throw fail(PrivateFileError(path: path, errno: errno))
        }
        if disposition == .truncate && ftruncate(descriptor, 0) != 0 {
            throw fail(PrivateFileError(path: path, errno: errno))
        }
        // An existing file keeps its mode through open(2): make it the owner's only.
        if (status.st_mode & 0o7777) != PrivateFile.mode && fchmod(descriptor, PrivateFile.mode) != 0 {
            throw fail(PrivateFileError(path: path, errno: errno))
        }
        return descriptor
    }

    /// `a character device` and the like for a file type that is not a regular file; `nil` for one.
    public static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }
}
