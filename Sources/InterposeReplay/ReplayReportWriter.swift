import InterposeCapture
import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a replay report's files into a directory: `report.json`, `junit.xml` and
/// `report.html`. The only part of the report code that does I/O.
public struct ReplayReportWriter {
    /// The files it writes, in order.
    public static let fileNames = ["report.json", "junit.xml", "report.html"]

    /// Creates `directory` (and its parents) when needed and writes the three files into it.
    ///
    /// Each file is written to a temporary name in the same directory and renamed into place, so
    /// a reader never sees half a report and a failed write leaves the previous file alone. The
    /// files are mode 0600 and a new directory 0700 (the reports quote bodies); a report path that
    /// exists and is not a regular file is refused.
    /// - Returns: the paths written, in `fileNames` order.
    /// - Throws: `ReplayReportWriteError` naming the path and the system's reason.
    public static func write(_ report: ReplayReport, to directory: String) throws(ReplayReportWriteError) -> [String] {
        try createDirectory(directory)
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let contents = [report.renderJSON() + "\n", report.renderJUnit(), report.renderHTML()]
        var paths: [String] = []
        for (name, text) in zip(fileNames, contents) {
            let path = base + name
            try writeFile(path, text)
            paths.append(path)
        }
        return paths
    }

    private static func createDirectory(_ path: String) throws(ReplayReportWriteError) {
        do {
            // Its files quote request and response bodies: new directories are the owner's only.
            try PrivateDirectory.create(path)
        } catch {
            throw error.errno != 0
                ? .cannotCreateDirectory(path: error.path, reason: error.reason) : .notADirectory(path: error.path)
        }
    }

    private static func writeFile(_ path: String, _ text: String) throws(ReplayReportWriteError) {
        // The file it replaces must be a regular file too: renaming over a FIFO or a device node
        // would remove it, and a directory cannot be replaced.
        var status = stat()
        if lstat(path, &status) == 0, let kind = PrivateFile.nonRegularKind(status.st_mode) {
            throw .cannotWrite(path: path, reason: "it is \(kind), not a regular file")
        }
        let temporary = path + ".tmp"
        let descriptor: Int32
        do {
            descriptor = try PrivateFile.open(temporary, .truncate)
        } catch {
            throw .cannotWrite(path: temporary, reason: error.reason)
        }
        var failure: String?
        if let error = Array(text.utf8).withUnsafeBytes({ DescriptorWriter.writeAll(descriptor, $0).errno }) {
            failure = String(cString: strerror(error))
        }
        // A full disk or a network file system may only say so when the file is closed.
        if close(descriptor) != 0 && failure == nil { failure = reason() }
        if let failure {
            unlink(temporary)
            throw .cannotWrite(path: path, reason: failure)
        }
        if rename(temporary, path) != 0 {
            let why = reason()
            unlink(temporary)
            throw .cannotWrite(path: path, reason: why)
        }
    }

    private static func reason() -> String {
        String(cString: strerror(errno))
    }
}
