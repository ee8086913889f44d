import InterposeCapture
import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes live-captured packets to a pcapng file byte for byte as libpcap delivered them: a section
/// header, one interface (its link type, snap length, name, nanosecond timestamps), an Enhanced
/// Packet Block per packet and, at the end, an Interface Statistics Block whose counters and
/// comment carry the drop counts.
final class PcapngPacketRecorder {
    /// The file.
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var block: [UInt8] = []
    private var failed = false

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
        guard let file = fdopen(descriptor, "wb") else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw LiveCaptureError(kind: .unwritableCapture, description: "--capture \(path): cannot write: \(reason)")
        }
        self.path = path
        self.file = file
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
    }

    deinit {
        fclose(file)
    }

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
        if fflush(file) != 0 { failed = true }
        return !failed
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
        let written = block.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        if written != block.count { failed = true }
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
