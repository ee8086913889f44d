import InterposeCapture
import InterposeCore
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// An NSS key-log file (`--keylog`, the format of `SSLKEYLOGFILE`): every TLS secret of the
/// intercepted connections, one line each, so Wireshark or tshark can decrypt a capture of them.
///
/// The file is opened for appending, mode 0600 (its lines decrypt the traffic), and
/// each line is written whole with one `write(2)`, so lines from connections on different threads
/// never interleave.
public final class KeyLogFile: Sendable {
    /// The path written to.
    public let path: String
    private let descriptor: NIOLockedValueBox<Int32>

    /// Opens (or creates) `path` for appending, mode 0600; a path that is not a regular file is refused.
    /// - Throws: `TLSInterceptionError` when it cannot be opened.
    public init(path: String) throws {
        self.path = path
        let fd: Int32
        do {
            // Its lines decrypt the traffic: a regular file, 0600 even when it existed with another mode.
            fd = try PrivateFile.open(path, .append)
        } catch {
            throw TLSInterceptionError.cannotOpenKeyLog(path, reason: error.reason)
        }
        descriptor = NIOLockedValueBox(fd)
    }

    deinit {
        descriptor.withLockedValue { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    /// Appends `line` (one or more complete lines, as the TLS library gives them).
    public func append(_ line: ByteBuffer) {
        descriptor.withLockedValue { fd in
            guard fd >= 0 else { return }
            // A full disk loses key lines, never traffic.
            _ = line.withUnsafeReadableBytes { DescriptorWriter.writeAll(fd, $0) }
        }
    }
}
