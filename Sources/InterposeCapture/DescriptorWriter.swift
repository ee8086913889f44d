import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// `write(2)` until every byte is out, retrying on `EINTR`: the loop the capture file, the TLS key
/// log, the CA files and the replay report writer share.
public enum DescriptorWriter {
    /// Writes all of `bytes` to `descriptor`.
    /// - Parameters:
    ///   - descriptor: an open file descriptor.
    ///   - bytes: what to write.
    /// - Returns: how many bytes were written, and the `errno` that stopped the write early (`nil`
    ///   when every byte is out).
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, errno: Int32?) {
        var offset = 0
        while offset < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if result < 0 {
                if errno == EINTR { continue }
                return (offset, errno)
            }
            offset += result
        }
        return (offset, nil)
    }
}
