import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The capture file(s) of a sink: encodes segments as Enhanced Packet Blocks (and TLS key logs as
/// Decryption Secrets Blocks) into a large buffer, writes the buffer with `write(2)`, completes a
/// file with Interface Statistics Blocks and rotates.
///
/// Used by the writer thread only (and by `CaptureSink.init` before that thread starts).
/// After the first write error it records the error and writes nothing more.
final class CaptureFileOutput: TCPSegmentEmitter {
    /// What each interface saw in the current file, for its Interface Statistics Block.
    struct InterfaceCounters {
        var packets: UInt64 = 0
        var firstTimestamp: Int64?
        var lastTimestamp: Int64?
    }

    /// Write the buffer once it holds this much.
    static let bufferCapacity = 4 << 20

    private let basePath: String
    private let interfaceCount: Int
    private let sectionComment: String?
    private let clock = CaptureClock()
    private let buffer = PcapngBuffer(capacity: CaptureFileOutput.bufferCapacity + 128 * 1024)

    private var fd: Int32 = -1
    /// The file being written.
    private(set) var currentPath: String
    /// Every file opened, in order.
    private(set) var files: [String] = []
    /// Bytes of the current file already written.
    private var currentFileWritten = 0
    /// Bytes written to all files.
    private(set) var totalBytesWritten = 0
    /// Packets encoded, all files.
    private(set) var packetsWritten = 0
    /// The first write error; nothing is written after it.
    private(set) var writeError: CaptureError?
    /// Per-interface counts of the current file.
    private var counters: [InterfaceCounters]
    /// Capture losses noted in the current file (records, bytes).
    private var lossesInFile = (records: 0, bytes: 0)
    /// When the buffer was last written.
    private(set) var lastFlushNanoseconds: Int64

    /// Opens (creating or truncating, mode 0600) the first file and writes its header blocks.
    /// - Throws: `CaptureError` when the file cannot be created or written.
    init(path: String, recordUpstreamLeg: Bool, sectionComment: String?) throws(CaptureError) {
        self.basePath = path.hasSuffix(".pcapng") ? String(path.dropLast(".pcapng".count)) : path
        self.interfaceCount = recordUpstreamLeg ? 2 : 1
        self.sectionComment = sectionComment
        self.currentPath = path
        self.counters = Array(repeating: InterfaceCounters(), count: recordUpstreamLeg ? 2 : 1)
        self.lastFlushNanoseconds = clock.now().nanosecondsSinceEpoch
        try openFile(path)
        flush()
        if let error = writeError {
            close(fd)
            fd = -1
            throw error
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Whether writing has failed.
    var failed: Bool { writeError != nil }

    /// Bytes of the current file, written or still buffered.
    var currentFileSize: Int { currentFileWritten + buffer.count }

    /// Whether the buffer holds bytes not yet written.
    var hasBufferedBytes: Bool { buffer.count > 0 }

    // MARK: - Files

    private func openFile(_ path: String) throws(CaptureError) {
        // A regular file, 0600 whatever it was; a device, FIFO, directory or link is refused untouched.
        let descriptor: Int32
        do {
            descriptor = try PrivateFile.open(path, .truncate)
        } catch {
            throw CaptureError.cannotCreate(error)
        }
        fd = descriptor
        currentPath = path
        files.append(path)
        currentFileWritten = 0
        counters = Array(repeating: InterfaceCounters(), count: interfaceCount)
        lossesInFile = (0, 0)
        appendSectionHeader()
        appendInterfaceDescription(name: "client-leg", description: "client <-> proxy listener")
        if interfaceCount > 1 {
            appendInterfaceDescription(name: "upstream-leg", description: "proxy <-> upstream")
        }
    }

    /// Completes the current file with one Interface Statistics Block per interface and closes it.
    ///
    /// - Parameter totalLoss: the loss to report; `nil` reports the losses noted in this file.
    func finishFile(totalLoss: (records: Int, bytes: Int)? = nil) {
        guard fd >= 0 else { return }
        if !failed {
            let loss = totalLoss ?? lossesInFile
            for interface in 0..<interfaceCount {
                appendInterfaceStatistics(interface: interface, loss: loss)
            }
            flush()
        }
        close(fd)
        fd = -1
    }

    /// Completes the current file and starts `NAME.N.pcapng`, a complete file of its own.
    func rotate() {
        guard !failed else { return }
        finishFile()
        let path = "\(basePath).\(files.count).pcapng"
        do {
            try openFile(path)
        } catch {
            writeError = error
        }
    }

    /// Notes that `records` records (`bytes` bytes) were lost, for the statistics block.
    func noteLoss(records: Int, bytes: Int) {
        lossesInFile.records += records
        lossesInFile.bytes += bytes
    }

    /// Writes the buffer to the file. On error (a full disk), records it, keeps every complete
    /// block that reached the file (cutting only a partly written last block, so the file stays
    /// readable up to there) and writes nothing more.
    func flush() {
        lastFlushNanoseconds = clock.now().nanosecondsSinceEpoch
        defer { buffer.removeAll() }
        guard !failed, buffer.count > 0, fd >= 0 else { return }
        let (written, error) = DescriptorWriter.writeAll(fd, buffer.bytes)
        if let error {
            writeError = .cannotWrite(path: currentPath, errno: error)
            let kept = Pcapng.completeBlocksLength(buffer.bytes, within: written)
            _ = ftruncate(fd, off_t(currentFileWritten + kept))
            totalBytesWritten += kept
            currentFileWritten += kept
            return
        }
        totalBytesWritten += written
        currentFileWritten += written
    }

    /// The current wall-clock-anchored time, in nanoseconds.
    func nowNanoseconds() -> Int64 { clock.now().nanosecondsSinceEpoch }

    // MARK: - Blocks

    private func appendSectionHeader() {
        let start = buffer.count
        buffer.appendUInt32(Pcapng.sectionHeaderBlock)
        buffer.appendUInt32(0)  // length, set below
        buffer.appendUInt32(Pcapng.byteOrderMagic)
        buffer.appendUInt16(1)
        buffer.appendUInt16(0)
        buffer.appendUInt64(UInt64.max)  // section length unknown
        if let comment = sectionComment { buffer.appendOption(code: Pcapng.optionComment, string: comment) }
        buffer.appendOption(code: Pcapng.optionSHBUserApplication, string: "Interpose")
        buffer.appendEndOfOptions()
        closeBlock(start: start)
    }

    private func appendInterfaceDescription(name: String, description: String) {
        let start = buffer.count
        buffer.appendUInt32(Pcapng.interfaceDescriptionBlock)
        buffer.appendUInt32(0)
        buffer.appendUInt16(Pcapng.linkTypeEthernet)
        buffer.appendUInt16(0)
        buffer.appendUInt32(Pcapng.snapshotLength)
        buffer.appendOption(code: Pcapng.optionIfName, string: name)
        buffer.appendOption(code: Pcapng.optionIfDescription, string: description)
        withUnsafeBytes(of: UInt8(9)) { buffer.appendOption(code: Pcapng.optionIfTimestampResolution, value: $0) }
        buffer.appendEndOfOptions()
        closeBlock(start: start)
    }

    private func appendInterfaceStatistics(interface: Int, loss: (records: Int, bytes: Int)) {
        let counter = counters[interface]
        let now = nowNanoseconds()
        let end = UInt64(max(0, counter.lastTimestamp ?? now))
        let start = buffer.count
        buffer.appendUInt32(Pcapng.interfaceStatisticsBlock)
        buffer.appendUInt32(0)
        buffer.appendUInt32(UInt32(interface))
        buffer.appendUInt32(UInt32(truncatingIfNeeded: end >> 32))
        buffer.appendUInt32(UInt32(truncatingIfNeeded: end))
        let summary =
            "\(counter.packets) packets recorded; capture dropped \(loss.records) records (\(loss.bytes) bytes)"
        buffer.appendOption(code: Pcapng.optionComment, string: summary)
        if let first = counter.firstTimestamp {
            buffer.appendOption(code: Pcapng.optionISBStartTime, timestamp: UInt64(max(0, first)))
        }
        buffer.appendOption(code: Pcapng.optionISBEndTime, timestamp: end)
        buffer.appendOption(code: Pcapng.optionISBIfRecv, uint64: counter.packets)
        buffer.appendOption(code: Pcapng.optionISBIfDrop, uint64: UInt64(loss.records))
        buffer.appendEndOfOptions()
        closeBlock(start: start)
    }

    /// Appends a Decryption Secrets Block: secrets type, secrets length, the secrets padded to 32 bits,
    /// no options, trailing length. Wireshark applies the secrets to the packets that follow it.
    ///
    /// - Parameters:
    ///   - type: the secrets type (`Pcapng.secretsTypeTLSKeyLog`).
    ///   - secrets: the secrets, for TLS NSS key-log lines each ending in a newline.
    func appendDecryptionSecrets(type: UInt32, secrets: UnsafeRawBufferPointer) {
        guard !failed, secrets.count > 0 else { return }
        let blockLength = 16 + ((secrets.count + 3) & ~3) + 4
        if buffer.count + blockLength > buffer.capacity {
            flush()
            if failed { return }
            buffer.reserve(blockLength)
        }
        let start = buffer.count
        buffer.appendUInt32(Pcapng.decryptionSecretsBlock)
        buffer.appendUInt32(0)
        buffer.appendUInt32(type)
        buffer.appendUInt32(UInt32(secrets.count))
        buffer.append(secrets)
        buffer.padTo32Bits()
        closeBlock(start: start)
        assert(buffer.count == start + blockLength)
    }

    /// Writes the trailing length and patches the leading one.
    private func closeBlock(start: Int) {
        let length = buffer.count - start + 4
        buffer.appendUInt32(UInt32(length))
        buffer.setUInt32(UInt32(length), at: start + 4)
    }

    // MARK: - Packets

    /// Encodes one segment as an Enhanced Packet Block: Ethernet, IPv4 or IPv6, TCP, payload.
    func emit(_ segment: TCPSegment, payload: UnsafeRawBufferPointer, comment: String?, at timestamp: Timestamp) {
        guard !failed else { return }
        let ipv6 = segment.isIPv6
        let ipHeaderLength = ipv6 ? 40 : 20
        let tcpHeaderLength = segment.handshakeOptions ? 28 : 20
        let tcpLength = tcpHeaderLength + payload.count
        let packetLength = 14 + ipHeaderLength + tcpLength
        let paddedPacketLength = (packetLength + 3) & ~3
        var blockLength = 28 + paddedPacketLength + 4
        if let comment { blockLength += 8 + ((min(comment.utf8.count, 65_535) + 3) & ~3) }

        if buffer.count + blockLength > buffer.capacity {
            flush()
            if failed { return }
            buffer.reserve(blockLength)
        }
        let start = buffer.count
        let block = buffer.base + start
        let ts = UInt64(bitPattern: timestamp.nanosecondsSinceEpoch)
        block.storeBytes(of: Pcapng.enhancedPacketBlock.littleEndian, toByteOffset: 0, as: UInt32.self)
        block.storeBytes(of: UInt32(blockLength).littleEndian, toByteOffset: 4, as: UInt32.self)
        block.storeBytes(of: segment.interfaceID.littleEndian, toByteOffset: 8, as: UInt32.self)
        block.storeBytes(of: UInt32(truncatingIfNeeded: ts >> 32).littleEndian, toByteOffset: 12, as: UInt32.self)
        block.storeBytes(of: UInt32(truncatingIfNeeded: ts).littleEndian, toByteOffset: 16, as: UInt32.self)
        block.storeBytes(of: UInt32(packetLength).littleEndian, toByteOffset: 20, as: UInt32.self)
        block.storeBytes(of: UInt32(packetLength).littleEndian, toByteOffset: 24, as: UInt32.self)

        // Ethernet: locally administered made-up MACs 02:00:00:00:00:xx.
        let ethernet = block + 28
        ethernet.storeBytes(of: UInt32(0x0200_0000).bigEndian, toByteOffset: 0, as: UInt32.self)
        ethernet.storeBytes(of: UInt16(segment.destinationMAC).bigEndian, toByteOffset: 4, as: UInt16.self)
        ethernet.storeBytes(of: UInt32(0x0200_0000).bigEndian, toByteOffset: 6, as: UInt32.self)
        ethernet.storeBytes(of: UInt16(segment.sourceMAC).bigEndian, toByteOffset: 10, as: UInt16.self)
        ethernet.storeBytes(of: UInt16(ipv6 ? 0x86DD : 0x0800).bigEndian, toByteOffset: 12, as: UInt16.self)

        let ip = ethernet + 14
        if ipv6 {
            ip.storeBytes(of: UInt32(0x6000_0000).bigEndian, toByteOffset: 0, as: UInt32.self)
            ip.storeBytes(of: UInt16(tcpLength).bigEndian, toByteOffset: 4, as: UInt16.self)
            ip.storeBytes(of: UInt8(6), toByteOffset: 6, as: UInt8.self)
            ip.storeBytes(of: UInt8(64), toByteOffset: 7, as: UInt8.self)
            ip.storeBytes(of: segment.source.address.high.bigEndian, toByteOffset: 8, as: UInt64.self)
            ip.storeBytes(of: segment.source.address.low.bigEndian, toByteOffset: 16, as: UInt64.self)
            ip.storeBytes(of: segment.destination.address.high.bigEndian, toByteOffset: 24, as: UInt64.self)
            ip.storeBytes(of: segment.destination.address.low.bigEndian, toByteOffset: 32, as: UInt64.self)
        } else {
            ip.storeBytes(of: UInt16(0x4500).bigEndian, toByteOffset: 0, as: UInt16.self)
            ip.storeBytes(of: UInt16(20 + tcpLength).bigEndian, toByteOffset: 2, as: UInt16.self)
            ip.storeBytes(of: segment.ipID.bigEndian, toByteOffset: 4, as: UInt16.self)
            ip.storeBytes(of: UInt16(0x4000).bigEndian, toByteOffset: 6, as: UInt16.self)  // DF
            ip.storeBytes(of: UInt16(0x4006).bigEndian, toByteOffset: 8, as: UInt16.self)  // TTL 64, TCP
            ip.storeBytes(of: UInt16(0), toByteOffset: 10, as: UInt16.self)
            ip.storeBytes(of: segment.source.address.v4Value.bigEndian, toByteOffset: 12, as: UInt32.self)
            ip.storeBytes(of: segment.destination.address.v4Value.bigEndian, toByteOffset: 16, as: UInt32.self)
            let checksum = InternetChecksum.finish(UInt64(InternetChecksum.partialSum(ip, count: 20)))
            ip.storeBytes(of: checksum.bigEndian, toByteOffset: 10, as: UInt16.self)
        }

        let tcp = ip + ipHeaderLength
        tcp.storeBytes(of: segment.source.port.bigEndian, toByteOffset: 0, as: UInt16.self)
        tcp.storeBytes(of: segment.destination.port.bigEndian, toByteOffset: 2, as: UInt16.self)
        tcp.storeBytes(of: segment.sequenceNumber.bigEndian, toByteOffset: 4, as: UInt32.self)
        tcp.storeBytes(of: segment.acknowledgementNumber.bigEndian, toByteOffset: 8, as: UInt32.self)
        tcp.storeBytes(of: UInt8(tcpHeaderLength / 4) << 4, toByteOffset: 12, as: UInt8.self)
        tcp.storeBytes(of: segment.flags.rawValue, toByteOffset: 13, as: UInt8.self)
        tcp.storeBytes(of: segment.window.bigEndian, toByteOffset: 14, as: UInt16.self)
        tcp.storeBytes(of: UInt32(0), toByteOffset: 16, as: UInt32.self)  // checksum, urgent pointer
        if segment.handshakeOptions {
            // MSS (kind 2), NOP, window scale (kind 3).
            let mss = UInt16(segment.isIPv6 ? 65_535 - 20 : 65_535 - 40)
            tcp.storeBytes(of: UInt16(0x0204).bigEndian, toByteOffset: 20, as: UInt16.self)
            tcp.storeBytes(of: mss.bigEndian, toByteOffset: 22, as: UInt16.self)
            let windowScale = 0x0103_0300 | UInt32(TCPLeg.windowScale)
            tcp.storeBytes(of: windowScale.bigEndian, toByteOffset: 24, as: UInt32.self)
        }
        if let source = payload.baseAddress, payload.count > 0 {
            (tcp + tcpHeaderLength).copyMemory(from: source, byteCount: payload.count)
        }
        // Zero the padding after the packet.
        var offset = 28 + packetLength
        while offset < 28 + paddedPacketLength {
            block.storeBytes(of: UInt8(0), toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
        let sum =
            InternetChecksum.pseudoHeaderSum(
                source: segment.source.address, destination: segment.destination.address, tcpLength: tcpLength)
            &+ UInt64(InternetChecksum.partialSum(tcp, count: tcpLength))
        tcp.storeBytes(of: InternetChecksum.finish(sum).bigEndian, toByteOffset: 16, as: UInt16.self)

        buffer.count = start + 28 + paddedPacketLength
        if let comment {
            buffer.appendOption(code: Pcapng.optionComment, string: comment)
            buffer.appendEndOfOptions()
        }
        buffer.appendUInt32(UInt32(blockLength))
        assert(buffer.count == start + blockLength)

        packetsWritten += 1
        let interface = Int(segment.interfaceID)
        counters[interface].packets += 1
        if counters[interface].firstTimestamp == nil {
            counters[interface].firstTimestamp = timestamp.nanosecondsSinceEpoch
        }
        counters[interface].lastTimestamp = timestamp.nanosecondsSinceEpoch
    }
}
