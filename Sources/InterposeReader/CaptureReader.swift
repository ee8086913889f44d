import InterposeCapture
import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a pcap or pcapng file and rebuilds its TCP conversations into frames for a `FrameConsumer`.
///
/// Packets come through libpcap (nanosecond timestamps; pcap of either byte order and precision,
/// pcapng); a pcapng file whose interfaces differ in link type or snap length, which libpcap
/// refuses, is read on from where libpcap stopped by Interpose's own streaming pcapng parser. Then
/// link-layer, IP and TCP headers are decoded in place (`PacketDecoder`), IP fragments rebuilt, and
/// every conversation reassembled (`TCPReassembler`). Memory stays bounded whatever the file size.
///
/// ```swift
/// let reader = try CaptureReader(path: "incident.pcap", filter: "port 6379")
/// var consumer = MyDissector()
/// let statistics = reader.read(into: &consumer)
/// ```
public final class CaptureReader {
    /// The file.
    public let path: String
    /// Its container format.
    public let format: CaptureFormat
    /// Its link type (the first interface's, for pcapng).
    public let linkType: LinkType
    /// Its size in bytes.
    public let fileSize: Int64
    /// The BPF filter expression, if any.
    public let filterExpression: String?

    private let snapshotLength: Int
    private var filters: [LinkType: BPFFilter] = [:]

    /// Opens a capture file and checks that it can be read.
    /// - Parameters:
    ///   - path: the pcap or pcapng file.
    ///   - filter: a BPF expression (`tcp port 80`); only matching packets are analysed.
    /// - Throws: `CaptureReadError` when the file cannot be opened, is not a regular file (a FIFO
    ///   or `<(...)`: it is read more than once), is not a capture, has a link type that is not
    ///   decoded, or the filter does not compile.
    public init(path: String, filter: String? = nil) throws(CaptureReadError) {
        self.path = path
        self.filterExpression = filter
        // O_NONBLOCK: a FIFO without a writer must not hang the open; it is refused below.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CaptureReadError.unreadable(path, String(cString: strerror(errno)))
        }
        var status = stat()
        let sized = fstat(descriptor, &status) == 0
        if sized, let kind = PrivateFile.nonRegularKind(status.st_mode) {
            close(descriptor)
            // libpcap, the pcapng metadata reader and the fallback parser each open the file: a
            // pipe would be consumed by the first of them.
            throw CaptureReadError.unreadable(
                path,
                kind == "a directory"
                    ? "it is a directory; give a pcap or pcapng file"
                    : "it is \(kind), not a regular file: a capture is read more than once, so save it to a file "
                        + "first (e.g. cat ... > capture.pcapng)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        guard let file = fdopen(descriptor, "rb") else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw CaptureReadError.unreadable(path, reason)
        }
        var magic = [UInt8](repeating: 0, count: 4)
        let got = magic.withUnsafeMutableBytes { fread($0.baseAddress, 1, 4, file) }
        let readFailed = ferror(file) != 0
        let readErrno = errno
        fclose(file)
        if readFailed {
            throw CaptureReadError.unreadable(path, String(cString: strerror(readErrno)))
        }
        fileSize = sized ? Int64(status.st_size) : 0
        magic.removeLast(4 - got)
        guard let format = CaptureFormat(magic: magic) else {
            throw CaptureReadError.notACapture(path, magic: magic)
        }
        self.format = format
        let source = try LibpcapPacketSource(path: path, format: format)
        linkType = source.linkType
        snapshotLength = source.snapshotLength
        guard linkType.isSupported else {
            throw CaptureReadError.unsupportedLinkType(path, linkType)
        }
        if let filter {
            do {
                filters[linkType] = try BPFFilter(
                    expression: filter, linkType: linkType, snapshotLength: snapshotLength)
            } catch {
                throw CaptureReadError.invalidFilter(path, filter: filter, error.message)
            }
        }
    }

    /// Reads the whole file, handing frames, findings and conversation summaries to `consumer`.
    ///
    /// Damage part-way through (a truncated last record) does not stop the analysis of what came
    /// before: it becomes a `capture.truncated` finding that names the byte offset.
    /// - Parameters:
    ///   - consumer: receives everything rebuilt.
    ///   - settings: reassembly limits.
    ///   - progress: called now and then with the byte offset reached, for a progress bar.
    /// - Returns: counts of what was in the file.
    public func read<Consumer: FrameConsumer>(
        into consumer: inout Consumer, settings: TCPReassembler.Settings = TCPReassembler.Settings(),
        progress: ((Int64) -> Void)? = nil
    ) -> CaptureReadStatistics {
        var state = ReadState(settings: settings)
        var fallback: PcapngStreamPacketSource?
        var skip = 0
        var number = 0
        let libpcap: LibpcapPacketSource
        do {
            libpcap = try LibpcapPacketSource(path: path, format: format)
        } catch {
            state.fail(message: error.reason, offset: 0, packets: 0, consumer: &consumer)
            return state.finish(consumer: &consumer)
        }
        readLoop: while true {
            let result = fallback?.next() ?? libpcap.next()
            switch result {
            case .packet(let raw):
                number += 1
                if skip > 0 {
                    skip -= 1
                    continue
                }
                handle(raw, number: number, state: &state, consumer: &consumer)
                if number & 4095 == 0, let progress {
                    progress(fallback?.position ?? libpcap.position)
                }
            case .end:
                break readLoop
            case .failed(let message, let offset):
                if fallback == nil, format == .pcapng, message.contains("different from the"),
                    let stream = try? PcapngStreamPacketSource(path: path)
                {
                    fallback = stream
                    skip = number
                    number = 0
                    state.statistics.usedPcapngFallback = true
                    consumer.report(
                        Finding(
                            code: .capturePcapngInterfaces, frame: skip + 1,
                            message:
                                "interfaces differ in link type or snap length; read with Interpose's own pcapng parser from packet \(skip + 1)",
                            detail: "libpcap: \(message)"))
                    continue
                }
                state.fail(message: message, offset: offset, packets: number, consumer: &consumer)
                break readLoop
            }
        }
        progress?(fileSize)
        return state.finish(consumer: &consumer)
    }

    // MARK: - Internals

    private func handle<Consumer: FrameConsumer>(
        _ raw: RawPacket, number: Int, state: inout ReadState, consumer: inout Consumer
    ) {
        state.count(raw)
        if let filterExpression {
            guard let filter = filter(for: raw.linkType, expression: filterExpression),
                filter.matches(raw.bytes, originalLength: raw.originalLength)
            else {
                state.statistics.filteredOut += 1
                return
            }
        }
        state.decode(raw, number: number, consumer: &consumer)
    }

    /// The compiled filter for a link type (pcapng interfaces may differ); `nil` when it does not compile.
    private func filter(for linkType: LinkType, expression: String) -> BPFFilter? {
        if let filter = filters[linkType] { return filter }
        guard let filter = try? BPFFilter(expression: expression, linkType: linkType, snapshotLength: snapshotLength)
        else { return nil }
        filters[linkType] = filter
        return filter
    }
}
