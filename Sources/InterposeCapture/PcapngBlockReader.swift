import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the blocks of a pcapng file directly, with their options.
///
/// libpcap does not expose pcapng comments, interface ids, statistics or decryption secrets blocks;
/// this reader does, so tests and tools can read Interpose's metadata (and TLS key logs) back. It
/// handles both byte orders and several sections, converts packet timestamps to nanoseconds using
/// each interface's `if_tsresol`, and checks every length against the bytes available: a corrupt
/// file gives a `PcapngFormatError`, never a crash.
///
/// ```swift
/// var reader = try PcapngBlockReader(contentsOfFile: "capture.pcapng")
/// while let block = try reader.next() where block.kind == .enhancedPacket {
///     print(block.interfaceID!, block.comments)
/// }
/// ```
public struct PcapngBlockReader: Sendable {
    private let bytes: [UInt8]
    private var position = 0
    private var isBigEndian = false
    private var inSection = false
    /// Nanoseconds per timestamp unit (or units per nanosecond, negative) for each interface of the section.
    private var interfaceResolutions: [TimestampResolution] = []

    private enum TimestampResolution: Sendable {
        case multiply(UInt64)
        case divide(UInt64)
        case binary(UInt8)
    }

    /// A reader over the bytes of a pcapng file.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A reader over the contents of the file at `path`.
    /// - Throws: `PcapngFormatError` (offset 0) when the file cannot be read.
    public init(contentsOfFile path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw PcapngFormatError(
                offset: 0, reason: "cannot open \(path): \(CaptureError.systemMessage(errno))")
        }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PcapngFormatError(
                    offset: data.count, reason: "cannot read \(path): \(CaptureError.systemMessage(errno))")
            }
            if count == 0 { break }
            data.append(contentsOf: chunk[0..<count])
        }
        self.init(bytes: data)
    }

    /// All blocks of the file at `path`.
    /// - Throws: `PcapngFormatError` at the first block that cannot be read.
    public static func readAll(path: String) throws -> [PcapngBlock] {
        var reader = try PcapngBlockReader(contentsOfFile: path)
        var blocks: [PcapngBlock] = []
        while let block = try reader.next() { blocks.append(block) }
        return blocks
    }

    /// The next block, or `nil` at the end of the file.
    /// - Throws: `PcapngFormatError` when the block is truncated or inconsistent.
    public mutating func next() throws -> PcapngBlock? {
        let start = position
        guard start < bytes.count else { return nil }
        guard bytes.count - start >= 12 else {
            throw PcapngFormatError(offset: start, reason: "truncated block header")
        }
        let rawType = read32(start, bigEndian: false)
        if rawType == Pcapng.sectionHeaderBlock {
            guard bytes.count - start >= 28 else {
                throw PcapngFormatError(offset: start, reason: "truncated section header block")
            }
            switch read32(start + 8, bigEndian: false) {
            case Pcapng.byteOrderMagic: isBigEndian = false
            case Pcapng.byteOrderMagic.byteSwapped: isBigEndian = true
            default: throw PcapngFormatError(offset: start + 8, reason: "bad byte-order magic")
            }
            inSection = true
            interfaceResolutions = []
        } else if !inSection {
            throw PcapngFormatError(offset: start, reason: "file does not start with a section header block")
        }
        let type = read32(start, bigEndian: isBigEndian)
        let length = Int(read32(start + 4, bigEndian: isBigEndian))
        guard length >= 12, length % 4 == 0 else {
            throw PcapngFormatError(offset: start + 4, reason: "bad block length \(length)")
        }
        guard length <= bytes.count - start else {
            throw PcapngFormatError(offset: start, reason: "block of \(length) bytes runs past the end of the file")
        }
        guard Int(read32(start + length - 4, bigEndian: isBigEndian)) == length else {
            throw PcapngFormatError(offset: start + length - 4, reason: "trailing block length differs")
        }
        let bodyEnd = start + length - 4
        var block = PcapngBlock(
            type: type, offset: start, isBigEndian: isBigEndian, packetData: [], options: [])

        switch type {
        case Pcapng.sectionHeaderBlock:
            block.options = try readOptions(from: start + 24, to: bodyEnd)
        case Pcapng.interfaceDescriptionBlock:
            guard length >= 20 else { throw PcapngFormatError(offset: start, reason: "interface block too short") }
            block.linkType = read16(start + 8)
            block.snapshotLength = read32(start + 12, bigEndian: isBigEndian)
            block.options = try readOptions(from: start + 16, to: bodyEnd)
            interfaceResolutions.append(resolution(block.option(Pcapng.optionIfTimestampResolution)?.uint8Value ?? 6))
        case Pcapng.enhancedPacketBlock:
            guard length >= 32 else { throw PcapngFormatError(offset: start, reason: "packet block too short") }
            let interface = read32(start + 8, bigEndian: isBigEndian)
            let raw =
                UInt64(read32(start + 12, bigEndian: isBigEndian)) << 32
                | UInt64(read32(start + 16, bigEndian: isBigEndian))
            let captured = Int(read32(start + 20, bigEndian: isBigEndian))
            guard captured <= bodyEnd - (start + 28) else {
                throw PcapngFormatError(offset: start + 20, reason: "captured length \(captured) exceeds the block")
            }
            block.interfaceID = interface
            block.rawTimestamp = raw
            block.timestamp = timestamp(raw, interface: interface)
            block.originalLength = read32(start + 24, bigEndian: isBigEndian)
            block.packetData = Array(bytes[(start + 28)..<(start + 28 + captured)])
            block.options = try readOptions(from: start + 28 + ((captured + 3) & ~3), to: bodyEnd)
        case Pcapng.simplePacketBlock:
            guard length >= 16 else { throw PcapngFormatError(offset: start, reason: "packet block too short") }
            let original = read32(start + 8, bigEndian: isBigEndian)
            let captured = min(Int(original), bodyEnd - (start + 12))
            block.originalLength = original
            block.packetData = Array(bytes[(start + 12)..<(start + 12 + captured)])
        case Pcapng.interfaceStatisticsBlock:
            guard length >= 24 else { throw PcapngFormatError(offset: start, reason: "statistics block too short") }
            let interface = read32(start + 8, bigEndian: isBigEndian)
            let raw =
                UInt64(read32(start + 12, bigEndian: isBigEndian)) << 32
                | UInt64(read32(start + 16, bigEndian: isBigEndian))
            block.interfaceID = interface
            block.rawTimestamp = raw
            block.timestamp = timestamp(raw, interface: interface)
            block.options = try readOptions(from: start + 20, to: bodyEnd)
        case Pcapng.decryptionSecretsBlock:
            guard length >= 20 else { throw PcapngFormatError(offset: start, reason: "secrets block too short") }
            let secretsLength = Int(read32(start + 12, bigEndian: isBigEndian))
            guard secretsLength <= bodyEnd - (start + 16) else {
                throw PcapngFormatError(
                    offset: start + 12, reason: "secrets length \(secretsLength) exceeds the block")
            }
            block.secretsType = read32(start + 8, bigEndian: isBigEndian)
            block.secrets = Array(bytes[(start + 16)..<(start + 16 + secretsLength)])
            block.options = try readOptions(from: start + 16 + ((secretsLength + 3) & ~3), to: bodyEnd)
        default:
            break
        }
        position = start + length
        return block
    }

    // MARK: - Fields

    private func read32(_ offset: Int, bigEndian: Bool) -> UInt32 {
        PcapngOption.integer(bytes[offset..<(offset + 4)], bigEndian: bigEndian)
    }

    private func read16(_ offset: Int) -> UInt16 {
        PcapngOption.integer(bytes[offset..<(offset + 2)], bigEndian: isBigEndian)
    }

    private func readOptions(from start: Int, to end: Int) throws -> [PcapngOption] {
        var options: [PcapngOption] = []
        var offset = start
        while offset + 4 <= end {
            let code = read16(offset)
            let length = Int(read16(offset + 2))
            if code == Pcapng.optionEndOfOptions { break }
            guard length <= end - (offset + 4) else {
                throw PcapngFormatError(offset: offset, reason: "option \(code) of \(length) bytes runs past its block")
            }
            options.append(
                PcapngOption(
                    code: code, value: Array(bytes[(offset + 4)..<(offset + 4 + length)]), isBigEndian: isBigEndian))
            offset += 4 + ((length + 3) & ~3)
        }
        return options
    }

    private func resolution(_ value: UInt8) -> TimestampResolution {
        if value & 0x80 != 0 { return .binary(value & 0x7F) }
        let exponent = Int(value)
        if exponent <= 9 {
            var factor: UInt64 = 1
            for _ in 0..<(9 - exponent) { factor *= 10 }
            return .multiply(factor)
        }
        var divisor: UInt64 = 1
        for _ in 0..<min(exponent - 9, 19) { divisor *= 10 }
        return .divide(divisor)
    }

    private func timestamp(_ raw: UInt64, interface: UInt32) -> Timestamp? {
        guard Int(interface) < interfaceResolutions.count else { return nil }
        let nanoseconds: UInt64
        switch interfaceResolutions[Int(interface)] {
        case .multiply(let factor):
            let (product, overflow) = raw.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            nanoseconds = product
        case .divide(let divisor):
            nanoseconds = raw / divisor
        case .binary(let exponent):
            guard exponent < 64 else { return nil }
            let units = UInt64(1) << exponent
            let seconds = raw / units
            let fraction = raw % units
            let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            guard !overflow else { return nil }
            let (sum, carried) = whole.addingReportingOverflow(
                UInt64(saturating: (Double(fraction) / Double(units) * 1e9).rounded(.down)))
            guard !carried else { return nil }
            nanoseconds = sum
        }
        guard nanoseconds <= UInt64(Int64.max) else { return nil }
        return Timestamp(nanosecondsSinceEpoch: Int64(nanoseconds))
    }
}
