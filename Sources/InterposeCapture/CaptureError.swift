import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a capture file could not be created or written.
///
/// Its `description` is one line that names the file and the system's reason, ready for the
/// command line: `cannot write capture file /x/y.pcapng: No such file or directory`.
public struct CaptureError: Error, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case cannotCreate
        case refused(String)
        case cannotWrite
        case invalidConfiguration(String)
    }

    private let code: Code
    /// The capture file concerned.
    public let path: String
    /// The `errno` the system reported, or 0 when the error is not a system error.
    public let errno: Int32

    private init(code: Code, path: String, errno: Int32) {
        self.code = code
        self.path = path
        self.errno = errno
    }

    /// The file could not be opened for writing (missing directory, permissions).
    public static func cannotCreate(path: String, errno: Int32) -> CaptureError {
        CaptureError(code: .cannotCreate, path: path, errno: errno)
    }

    /// The path is not one a capture may be written to (a device, a FIFO, a directory, a
    /// symbolic link); `reason` says what it is.
    public static func refused(path: String, reason: String) -> CaptureError {
        CaptureError(code: .refused(reason), path: path, errno: 0)
    }

    /// The error of `PrivateFile.open` for a capture file.
    public static func cannotCreate(_ error: PrivateFileError) -> CaptureError {
        error.errno != 0
            ? .cannotCreate(path: error.path, errno: error.errno) : .refused(path: error.path, reason: error.reason)
    }

    /// Writing to an open capture file failed (disk full, I/O error).
    public static func cannotWrite(path: String, errno: Int32) -> CaptureError {
        CaptureError(code: .cannotWrite, path: path, errno: errno)
    }

    /// A configuration value is out of range; `reason` says which and what is allowed.
    public static func invalidConfiguration(path: String, reason: String) -> CaptureError {
        CaptureError(code: .invalidConfiguration(reason), path: path, errno: 0)
    }

    /// One line naming the file and the reason.
    public var description: String {
        switch code {
        case .cannotCreate:
            return "cannot write capture file \(path): \(CaptureError.systemMessage(errno))"
        case .refused(let reason):
            return "cannot write capture file \(path): it \(reason)"
        case .cannotWrite:
            return "error writing capture file \(path): \(CaptureError.systemMessage(errno))"
        case .invalidConfiguration(let reason):
            return "invalid capture settings for \(path): \(reason)"
        }
    }

    static func systemMessage(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
