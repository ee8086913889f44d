import InterposeCore

/// Sizes on the command line: `65536`, `64K`, `64M`, `1G` (powers of 1024), each flag with its range.
enum ByteSize {
    /// `--capture-buffer`: 4 KiB to 1 TiB of queued capture.
    static let captureBuffer: ClosedRange<Int> = (4 << 10)...(1 << 40)
    /// `--rotate-size`: 64 KiB to 1 PiB per file.
    static let rotateSize: ClosedRange<Int> = (64 << 10)...(1 << 50)

    /// Parses a size and checks it is in `range`.
    /// - Throws: `CommandLineError` naming the flag, the range and examples.
    static func parse(_ text: String, flag: String, range: ClosedRange<Int>) throws -> Int {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50]
        var digits = Substring(text.uppercased())
        if digits.hasSuffix("IB") {
            digits = digits.dropLast(2)
        } else if digits.hasSuffix("B") {
            digits = digits.dropLast()
        }
        var multiplier = 1
        if let last = digits.last, let unit = units[last] {
            multiplier = unit
            digits = digits.dropLast()
        }
        // `value <= Int.max / multiplier` first: the multiplication below cannot overflow.
        guard let value = Int(digits), value > 0, value <= Int.max / multiplier, range.contains(value * multiplier)
        else {
            throw CommandLineError(
                "\(flag) must be a size from \(ByteCount(Int64(range.lowerBound))) to "
                    + "\(ByteCount(Int64(range.upperBound))) (examples: 65536, 64K, 100M, 1G), not '\(text)'")
        }
        return value * multiplier
    }
}
