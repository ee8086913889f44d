#if canImport(Glibc)
    import Glibc
#endif

/// A moment of the wall clock to the millisecond, written the two ways the demo service needs:
/// ISO 8601 for `served_at` and the IMF-fixdate of the HTTP `Date` header.
public struct WallClockTime: Sendable, Equatable {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int
    /// Milliseconds past `seconds`, 0...999.
    public var milliseconds: Int

    /// A given moment.
    public init(seconds: Int, milliseconds: Int) {
        self.seconds = seconds
        self.milliseconds = milliseconds
    }

    /// The wall clock now.
    public static func now() -> WallClockTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallClockTime(seconds: Int(spec.tv_sec), milliseconds: Int(spec.tv_nsec / 1_000_000))
    }

    /// `2024-05-01T12:34:56.789Z`.
    public var iso8601: String {
        let t = civil
        return "\(pad(t.year, 4))-\(pad(t.month, 2))-\(pad(t.day, 2))T\(pad(t.hour, 2)):\(pad(t.minute, 2)):"
            + "\(pad(t.second, 2)).\(pad(milliseconds, 3))Z"
    }

    /// `Wed, 01 May 2024 12:34:56 GMT` (RFC 9110 IMF-fixdate).
    public var httpDate: String {
        let t = civil
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[t.weekday]), \(pad(t.day, 2)) \(months[t.month - 1]) \(pad(t.year, 4)) "
            + "\(pad(t.hour, 2)):\(pad(t.minute, 2)):\(pad(t.second, 2)) GMT"
    }

    private var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return (
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
            Int(parts.tm_min), Int(parts.tm_sec), Int(parts.tm_wday)
        )
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
