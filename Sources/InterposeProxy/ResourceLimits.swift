#if canImport(Glibc)
    import Glibc
#endif

/// Process limits a proxy with thousands of connections needs.
public enum ResourceLimits {
    /// Raises the soft limit on open files to the hard limit: each proxied connection holds two
    /// descriptors, and the default soft limit (often 1024) would refuse the 513th client.
    /// - Returns: the new soft limit.
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return UInt64(limit.rlim_cur)
    }
}
