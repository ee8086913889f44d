#if canImport(Glibc)
    import Glibc
#endif

/// Tunes the C allocator for streaming a capture file through reassembly.
///
/// Reassembly allocates a buffer per segment (up to 64 KB on loopback) and frees it soon after.
/// With glibc's defaults the top of the heap is trimmed and re-grown constantly, and every
/// re-grown page faults: measured, that doubled the time to read a 1 GB bulk capture. Keeping
/// freed memory mapped costs nothing in peak memory (the peak is what is live at once).
public enum AllocatorTuning {
    /// Keeps freed heap memory for reuse instead of returning it to the kernel at once.
    /// Process-wide; the command line calls it before a long offline analysis.
    public static func tuneForStreaming() {
        #if canImport(Glibc)
            // glibc's mallopt is not in the Glibc module map (malloc.h); find it at run time.
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
            let topPad: Int32 = -2  // M_TOP_PAD
            let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            _ = mallopt(mmapThreshold, 4 << 20)
            _ = mallopt(trimThreshold, 256 << 20)
            _ = mallopt(topPad, 16 << 20)
        #endif
    }
}
