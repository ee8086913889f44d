import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Number, size, time and duration formats for the text report.
public enum ReportFormatting {
    /// `1,234,567`.
    public static func grouped<Value: BinaryInteger>(_ value: Value) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// `512 B`, `3.4 KiB`, `1.2 GiB`: `ByteCount`, the one size format.
    public static func size(_ bytes: Int64) -> String { ByteCount(bytes).description }

    /// `0.412 s`, `12.3 s`, `4 m 05 s`.
    public static func duration(nanoseconds: Int64) -> String {
        let seconds = Double(max(nanoseconds, 0)) / 1e9
        if seconds < 10 { return "\(fixed(seconds, 3)) s" }
        if seconds < 600 { return "\(fixed(seconds, 1)) s" }
        let whole = Int(saturating: seconds)
        let remainder = whole % 60
        return "\(whole / 60) m \(remainder < 10 ? "0" : "")\(remainder) s"
    }

    /// `2024-05-01 12:00:00.123 UTC`.
    public static func dateTime(_ timestamp: Timestamp) -> String {
        let (date, time) = split(timestamp)
        return "\(date) \(time) UTC"
    }

    /// `12:00:00.123` (UTC).
    public static func timeOfDay(_ timestamp: Timestamp) -> String {
        split(timestamp).time
    }

    private static func split(_ timestamp: Timestamp) -> (date: String, time: String) {
        let nanoseconds = timestamp.nanosecondsSinceEpoch
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var milliseconds = Int((nanoseconds % 1_000_000_000) / 1_000_000)
        if milliseconds < 0 {
            milliseconds += 1000
            seconds -= 1
        }
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return ("?", "?") }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis =
            milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        let date = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
        let time = "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)"
        return (date, time)
    }

    /// `value` with `places` decimals, without Foundation.
    public static func fixed(_ value: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64(saturating: (value * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = String(scaled % Int64(scale))
        if places == 0 { return String(whole) }
        return "\(whole).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
    }

    /// `1 connection`, `2 connections`.
    public static func plural(_ count: Int, _ noun: String) -> String {
        "\(grouped(count)) \(noun)\(count == 1 ? "" : "s")"
    }

    /// A latency in microseconds for tables: `850us`, `12.3ms`, `2.10s`, or `-` when unknown.
    public static func microseconds(_ value: UInt64?) -> String {
        guard let value else { return "-" }
        if value < 1_000 { return "\(value)us" }
        if value < 1_000_000 { return fixed(Double(value) / 1_000, digits: value < 100_000 ? 1 : 0) + "ms" }
        return fixed(Double(value) / 1_000_000, digits: 2) + "s"
    }

    private static func fixed(_ value: Double, digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64(saturating: (value * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = scaled % Int64(scale)
        guard digits > 0 else { return String(whole) }
        let text = String(fraction)
        return "\(whole).\(String(repeating: "0", count: digits - text.count))\(text)"
    }
}
