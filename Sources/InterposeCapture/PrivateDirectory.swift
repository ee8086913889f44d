import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A directory for files that hold captured traffic (`--capture-dir`, `--report DIR`): created
/// with its missing parents, the new ones mode 0700, or refused when the path is something else.
public enum PrivateDirectory {
    /// Makes sure `path` is a directory, creating it (and missing parents) mode 0700.
    ///
    /// An existing directory keeps its mode: it is the user's.
    /// - Throws: `PrivateFileError` when the path (or a parent) exists and is not a directory, or
    ///   the system refuses (`EACCES`, `EROFS`).
    public static func create(_ path: String) throws(PrivateFileError) {
        var status = stat()
        if stat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                throw PrivateFileError(
                    path: path, problem: "is \(PrivateFile.nonRegularKind(status.st_mode) ?? "a file"), not a directory"
                )
            }
            return
        }
        var parent = path
        while parent.hasSuffix("/") && parent.count > 1 { parent.removeLast() }
        if let slash = parent.lastIndex(of: "/"), slash != parent.startIndex {
            try create(String(parent[..<slash]))
        }
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw PrivateFileError(path: path, errno: errno) }
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
            throw PrivateFileError(path: path, problem: "is not a directory")
        }
    }
}
