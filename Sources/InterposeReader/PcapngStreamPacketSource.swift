import InterposeCapture
import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads packets from a pcapng file block by block, with each interface's own link type.
///
/// libpcap reports one link type per file and refuses pcapng files whose interfaces differ in link
/// type or snap length (a file merged from several captures); this source reads those. It streams
/// (one block in memory at a time), handles both byte orders, several sections, `if_tsresol` and
/// `if_tsoffset`, and checks every length: a damaged block ends the read with a message, never a
/// crash. `PcapngBlockReader` in InterposeCapture reads whole files with their options for tests
/// and metadata; this one is for bulk packet reading.
final class PcapngStreamPacketSource {
    private struct Interface {
        var linkType: LinkType
        var snapshotLength: Int
        /// Decimal exponent (units of 10^-n s), or binary when `binary` is set.
        var resolution: Int = 6
        var binary = false
        var offsetSeconds: Int64 = 0
    }

    /// The largest block accepted; larger lengths are damage, not data.
    static let maximumBlockLength = 64 << 20

    private let file: UnsafeMutablePointer<FILE>
    /// The current block's body (after the 8-byte header, trailer included); packets point into it.
    private var storage: UnsafeMutableRawBufferPointer
    private var blockLength = 0
    private var block: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: storage[0..<blockLength]) }
    private var bigEndian = false
    private var sawSection = false
    private var interfaces: [Interface] = []
    private var lastTimestamp = Timestamp(nanosecondsSinceEpoch: 0)
    /// The byte offset of the next block.
    private(set) var position: Int64 = 0

    /// Opens `path`.
    init(path: String) throws(CaptureReadError) {
        guard let file = fopen(path, "rb") else {
            throw CaptureReadError.unreadable(path, String(cString: strerror(errno)))
        }
        self.file = file
        self.storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
    }

    deinit {
        fclose(file)
        storage.deallocate()
    }

    /// Makes room for `count` bytes of block body, keeping the first `keeping` bytes.
    private func reserve(_ count: Int, keeping: Int) {
        guard count > storage.count else { return }
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, storage.count * 2), alignment: 8)
        larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: storage[0..<keeping]))
        storage.deallocate()
        storage = larger
    }

    /// The link types of the interfaces described so far.
    var interfaceLinkTypes: [LinkType] { interfaces.map(\.linkType) }

    /// Reads the next packet.
    func next() -> PacketSourceResult {
        while true {
            let blockOffset = position
            var head = [UInt8](repeating: 0, count: 8)
            let got = head.withUnsafeMutableBytes { fread($0.baseAddress, 1, 8, file) }
            if got == 0 { return .end }
            guard got == 8 else {
                return .failed(
                    message: "truncated pcapng file: block header at offset \(blockOffset) has \(got) of 8 bytes",
                    offset: blockOffset)
            }
            let rawType = head.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt32.self) }
            let isSection = rawType == 0x0A0D_0D0A
            if isSection {
                var magic = [UInt8](repeating: 0, count: 4)
                guard magic.withUnsafeMutableBytes({ fread($0.baseAddress, 1, 4, file) }) == 4 else {
                    return .failed(
                        message: "truncated pcapng file: section header at offset \(blockOffset)", offset: blockOffset)
                }
                switch (magic[0], magic[1], magic[2], magic[3]) {
                case (0x4D, 0x3C, 0x2B, 0x1A): bigEndian = false
                case (0x1A, 0x2B, 0x3C, 0x4D): bigEndian = true
                default:
                    return .failed(
                        message: "pcapng section header at offset \(blockOffset) has a bad byte-order magic",
                        offset: blockOffset)
                }
                sawSection = true
                interfaces.removeAll()
                // The magic is part of the body: put it back in front.
                storage.copyBytes(from: magic)
                blockLength = 4
            } else {
                guard sawSection else {
                    return .failed(message: "not a pcapng file: no section header", offset: 0)
                }
                blockLength = 0
            }
            let (type, totalLength) = head.withUnsafeBytes { (value32($0, 0), Int(value32($0, 4))) }
            guard totalLength >= 12, totalLength % 4 == 0, totalLength <= PcapngStreamPacketSource.maximumBlockLength
            else {
                return .failed(
                    message: "pcapng block at offset \(blockOffset) has an invalid length \(totalLength)",
                    offset: blockOffset)
            }
            let already = blockLength
            let remaining = totalLength - 8 - already
            guard remaining >= 4 else {
                return .failed(message: "pcapng block at offset \(blockOffset) is too short", offset: blockOffset)
            }
            reserve(already + remaining, keeping: already)
            let target = UnsafeMutableRawBufferPointer(rebasing: storage[already..<already + remaining])
            let read = fread(target.baseAddress, 1, remaining, file)
            blockLength = already + read
            guard read == remaining else {
                return .failed(
                    message:
                        "truncated pcapng file: block at offset \(blockOffset) needs \(totalLength) bytes, only \(8 + already + read) remain",
                    offset: blockOffset)
            }
            position += Int64(totalLength)
            let bodyLength = blockLength - 4
            guard Int(value32(block, bodyLength)) == totalLength else {
                return .failed(
                    message: "pcapng block at offset \(blockOffset): total length in header and trailer differ",
                    offset: blockOffset)
            }
            switch type {
            case 0x0A0D_0D0A:
                continue
            case 1:
                guard bodyLength >= 8 else {
                    return .failed(
                        message: "pcapng interface block at offset \(blockOffset) is too short", offset: blockOffset)
                }
                var interface = Interface(
                    linkType: LinkType(Int32(value16(block, 0))), snapshotLength: Int(value32(block, 4)))
                readInterfaceOptions(&interface, from: 8, to: bodyLength)
                interfaces.append(interface)
                continue
            case 6, 2:
                guard bodyLength >= 20 else {
                    return .failed(
                        message: "pcapng packet block at offset \(blockOffset) is too short", offset: blockOffset)
                }
                let interfaceID = type == 6 ? Int(value32(block, 0)) : Int(value16(block, 0))
                let captured = Int(value32(block, 12))
                let original = Int(value32(block, 16))
                guard interfaceID < interfaces.count else {
                    return .failed(
                        message:
                            "pcapng packet block at offset \(blockOffset) names interface \(interfaceID), which is not described",
                        offset: blockOffset)
                }
                guard captured <= bodyLength - 20 else {
                    return .failed(
                        message:
                            "pcapng packet block at offset \(blockOffset) claims \(captured) captured bytes in a \(totalLength)-byte block",
                        offset: blockOffset)
                }
                let ticks = UInt64(value32(block, 4)) << 32 | UInt64(value32(block, 8))
                let timestamp = convert(ticks, interfaces[interfaceID])
                lastTimestamp = timestamp
                return packet(
                    at: 20, captured: captured, original: original, linkType: interfaces[interfaceID].linkType,
                    timestamp: timestamp)
            case 3:
                guard let first = interfaces.first, bodyLength >= 4 else {
                    return .failed(
                        message: "pcapng simple packet block at offset \(blockOffset) without an interface",
                        offset: blockOffset)
                }
                let original = Int(value32(block, 0))
                var captured = min(original, bodyLength - 4)
                if first.snapshotLength > 0 { captured = min(captured, first.snapshotLength) }
                return packet(
                    at: 4, captured: captured, original: original, linkType: first.linkType, timestamp: lastTimestamp)
            default:
                // Interface statistics, name resolution, decryption secrets (TLS key logs), custom
                // blocks: none carries a packet.
                continue
            }
        }
    }

    private func packet(at start: Int, captured: Int, original: Int, linkType: LinkType, timestamp: Timestamp)
        -> PacketSourceResult
    {
        // `storage` is not touched again until the next call, so the view stays valid as promised.
        let bytes = UnsafeRawBufferPointer(rebasing: block[start..<start + captured])
        return .packet(
            RawPacket(timestamp: timestamp, linkType: linkType, originalLength: max(original, captured), bytes: bytes))
    }

    private func readInterfaceOptions(_ interface: inout Interface, from start: Int, to end: Int) {
        var cursor = start
        while cursor + 4 <= end {
            let code = value16(block, cursor)
            let length = Int(value16(block, cursor + 2))
            let value = cursor + 4
            guard value + length <= end else { return }
            switch code {
            case 0: return
            case 9 where length >= 1:
                interface.binary = block[value] & 0x80 != 0
                interface.resolution = Int(block[value] & 0x7F)
            case 14 where length >= 8:
                let first = UInt64(value32(block, value))
                let second = UInt64(value32(block, value + 4))
                interface.offsetSeconds = Int64(bitPattern: bigEndian ? first << 32 | second : second << 32 | first)
            default: break
            }
            cursor = value + (length + 3) / 4 * 4
        }
    }

    private func convert(_ ticks: UInt64, _ interface: Interface) -> Timestamp {
        var nanoseconds: UInt64
        if interface.binary {
            let shift = UInt64(min(interface.resolution, 63))
            let seconds = ticks >> shift
            let fraction = ticks & ((1 << shift) &- 1)
            let scaled = fraction.multipliedFullWidth(by: 1_000_000_000)
            let fractionNanoseconds = shift == 0 ? 0 : (scaled.low >> shift) | (scaled.high << (64 - shift))
            nanoseconds = seconds &* 1_000_000_000 &+ fractionNanoseconds
        } else if interface.resolution <= 9 {
            var multiplier: UInt64 = 1
            for _ in 0..<(9 - interface.resolution) { multiplier *= 10 }
            nanoseconds = ticks &* multiplier
        } else {
            var divisor: UInt64 = 1
            for _ in 0..<min(interface.resolution - 9, 19) { divisor *= 10 }
            nanoseconds = ticks / divisor
        }
        return Timestamp(
            nanosecondsSinceEpoch: Int64(bitPattern: nanoseconds) &+ interface.offsetSeconds &* 1_000_000_000)
    }

    private func value16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        let a = UInt16(bytes[offset])
        let b = UInt16(bytes[offset + 1])
        return bigEndian ? a << 8 | b : b << 8 | a
    }

    private func value32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        let a = UInt32(bytes[offset])
        let b = UInt32(bytes[offset + 1])
        let c = UInt32(bytes[offset + 2])
        let d = UInt32(bytes[offset + 3])
        return bigEndian ? a << 24 | b << 16 | c << 8 | d : d << 24 | c << 16 | b << 8 | a
    }
}
