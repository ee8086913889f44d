/// Sizes on the command line: `65536`, `64K`, `64M`, `1G` (powers of 1024).
enum ByteSize {
    static func parse(_ text: String, flag: String) throws -> Int {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
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
        guard let value = Int(digits), value > 0, value <= Int.max / multiplier else {
            throw CommandLineError("\(flag) '\(text)' is not a size (examples: 65536, 64K, 100M, 1G)")
        }
        return value * multiplier
    }
}
