import InterposeCapture
import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes live-captured packets to a pcapng file byte for byte as libpcap delivered them: a section
/// header, one interface (its link type, snap length, name, nanosecond timestamps), an Enhanced
/// Packet Block per packet and, at the end, an Interface Statistics Block whose counters and
/// comment carry the drop counts.
///
/// Blocks are gathered in a buffer written with `write(2)` every `flushBytes` and at the end. When a
/// write fails (a full disk), the file is cut back to the last complete block that reached it, so
/// it stays readable up to there, and nothing more is written.
final class PcapngPacketRecorder {
    /// Write the buffer once it holds this much.
    static let flushBytes = 64 << 10

    /// The file.
    let path: String
    private let descriptor: Int32
    private var block: [UInt8] = []
    private var pending: [UInt8] = []
    /// Bytes of complete blocks in the file.
    private var fileBytes = 0
    /// The `errno` of the first failed write; nothing is written after it.
    private(set) var failure: Int32?

    /// Creates `path` (mode 0600; a path that is not a regular file is refused) and writes the
    /// section header and interface description.
    /// - Throws: `LiveCaptureError` (`unwritableCapture`) when the file cannot be created.
    init(path: String, interface: String, linkType: LinkType, snapshotLength: Int) throws(LiveCaptureError) {
        // Captured traffic: a regular file, mode 0600 (not 0644, nor 0666 under umask 000).
        let descriptor: Int32
        do {
            descriptor = try PrivateFile.open(path, .truncate)
        } catch {
            throw LiveCaptureError(
                kind: .unwritableCapture, description: "--capture \(path): cannot write: \(error.reason)")
        }
        self.path = path
        self.descriptor = descriptor
        pending.reserveCapacity(Self.flushBytes + 64 << 10)
        begin(Pcapng.sectionHeaderBlock)
        append32(Pcapng.byteOrderMagic)
        append16(1)
        append16(0)
        append32(0xFFFF_FFFF)
        append32(0xFFFF_FFFF)
        appendOption(Pcapng.optionSHBUserApplication, Array("interpose sniff".utf8))
        end()
        begin(Pcapng.interfaceDescriptionBlock)
        append16(Self.fileLinkType(linkType))
        append16(0)
        append32(UInt32(clamping: snapshotLength))
        appendOption(Pcapng.optionIfName, Array(interface.utf8))
        appendOption(Pcapng.optionIfTimestampResolution, [9])
        end()
        flush()
    }

    deinit {
        close(descriptor)
    }

    /// Why writing failed, for the `capture.write-failed` finding; `nil` while it has not.
    var failureReason: String? { failure.map { String(cString: strerror($0)) } }

    /// Appends one packet.
    func write(_ raw: RawPacket) {
        begin(Pcapng.enhancedPacketBlock)
        append32(0)
        appendTimestamp(raw.timestamp)
        append32(UInt32(raw.bytes.count))
        append32(UInt32(clamping: raw.originalLength))
        block.append(contentsOf: raw.bytes)
        pad()
        end()
    }

    /// Appends the statistics block with the drop counts and flushes the file.
    /// - Returns: `false` when a write failed (disk full).
    func finish(drops: LiveCaptureDrops, at timestamp: Timestamp, delivered: Int) -> Bool {
        begin(Pcapng.interfaceStatisticsBlock)
        append32(0)
        appendTimestamp(timestamp)
        appendOption(Pcapng.optionComment, Array(drops.summary.utf8))
        appendOption64(5, drops.interfaceDropped)  // isb_ifdrop
        appendOption64(6, drops.received)  // isb_filteraccept
        appendOption64(7, drops.dropped)  // isb_osdrop
        appendOption64(8, UInt64(delivered))  // isb_usrdeliv
        end()
        flush()
        return failure == nil
    }

    /// Writes the buffered blocks; on error keeps the complete ones that reached the file.
    private func flush() {
        defer { pending.removeAll(keepingCapacity: true) }
        guard failure == nil, !pending.isEmpty else { return }
        pending.withUnsafeBytes { bytes in
            let (written, error) = DescriptorWriter.writeAll(descriptor, bytes)
            if let error {
                failure = error
                fileBytes += Pcapng.completeBlocksLength(bytes, within: written)
                _ = ftruncate(descriptor, off_t(fileBytes))
            } else {
                fileBytes += written
            }
        }
    }

    /// libpcap reports DLT_ values, files hold LINKTYPE_ values: they differ for raw IP
    /// (DLT_RAW is 12 on Linux, 14 on OpenBSD; LINKTYPE_RAW is 101). The others Interpose decodes
    /// are the same numbers.
    static func fileLinkType(_ linkType: LinkType) -> UInt16 {
        if linkType == .raw || linkType == .rawBSD { return UInt16(LinkType.linktypeRaw.rawValue) }
        return UInt16(truncatingIfNeeded: linkType.rawValue)
    }

    // MARK: - Encoding (little-endian)

    private func begin(_ type: UInt32) {
        block.removeAll(keepingCapacity: true)
        append32(type)
        append32(0)
    }

    private func end() {
        append16(Pcapng.optionEndOfOptions)
        append16(0)
        let length = UInt32(block.count + 4)
        append32(length)
        withUnsafeBytes(of: length.littleEndian) { bytes in
            for index in 0..<4 { block[4 + index] = bytes[index] }
        }
        guard failure == nil else { return }
        pending += block
        if pending.count >= Self.flushBytes { flush() }
    }

    private func appendTimestamp(_ timestamp: Timestamp) {
        let nanoseconds = UInt64(bitPattern: timestamp.nanosecondsSinceEpoch)
        append32(UInt32(truncatingIfNeeded: nanoseconds >> 32))
        append32(UInt32(truncatingIfNeeded: nanoseconds))
    }

    private func appendOption(_ code: UInt16, _ value: [UInt8]) {
        append16(code)
        append16(UInt16(clamping: value.count))
        block.append(contentsOf: value.prefix(Int(UInt16.max)))
        pad()
    }

    private func appendOption64(_ code: UInt16, _ value: UInt64) {
        append16(code)
        append16(8)
        withUnsafeBytes(of: value.littleEndian) { block.append(contentsOf: $0) }
    }

    private func pad() {
        while block.count % 4 != 0 { block.append(0) }
    }

    private func append16(_ value: UInt16) {
        withUnsafeBytes(of: value.littleEndian) { block.append(contentsOf: $0) }
    }

    private func append32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { block.append(contentsOf: $0) }
    }
}
