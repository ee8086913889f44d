/// A byte count for people, in binary units: `512 B`, `1.5 KiB`, `3.2 MiB`, `1.1 GiB`.
///
/// The one formatter for sizes in every summary, report and log line (JSON carries exact integers).
public struct ByteCount: CustomStringConvertible, Sendable, Hashable {
    /// The count.
    public var bytes: Int64

    /// A count to print.
    public init<Count: BinaryInteger>(_ bytes: Count) { self.bytes = Int64(clamping: bytes) }

    public var description: String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let tenths = Int64(saturating: (value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10) \(units[unit])"
    }
}
