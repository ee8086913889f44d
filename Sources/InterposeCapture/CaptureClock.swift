import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Gives frame timestamps: a monotonic clock anchored to wall-clock time when it was made.
///
/// Wall time can step (NTP, an operator); a capture whose timestamps went backwards would
/// confuse every reader. So the clock reads `CLOCK_MONOTONIC` and adds the offset to
/// `CLOCK_REALTIME` taken once at start: timestamps never go backwards and stay close to wall time.
public struct CaptureClock: Sendable {
    private let offsetNanoseconds: Int64

    /// A clock anchored to the current wall-clock time.
    public init() {
        let wall = CaptureClock.read(CLOCK_REALTIME)
        let mono = CaptureClock.read(CLOCK_MONOTONIC)
        self.offsetNanoseconds = wall - mono
    }

    /// The current time.
    public func now() -> Timestamp {
        Timestamp(nanosecondsSinceEpoch: CaptureClock.read(CLOCK_MONOTONIC) + offsetNanoseconds)
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
