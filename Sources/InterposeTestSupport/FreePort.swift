#if canImport(Glibc)
    import Glibc
#endif

/// Finds loopback ports nobody listens on, for servers a test starts.
public enum FreePort {
    /// A TCP port that was free on 127.0.0.1 a moment ago (bound to port 0, read back, released).
    public static func next() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "socket() failed")
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { ptr -> Bool in
                bind(fd, ptr, len) == 0 && getsockname(fd, ptr, &len) == 0
            }
        }
        precondition(bound, "bind to 127.0.0.1:0 failed")
        return UInt16(bigEndian: addr.sin_port)
    }
}
