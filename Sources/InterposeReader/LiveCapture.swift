import CPcap
import InterposeCapture
import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Captures packets from a network interface with libpcap and rebuilds its TCP conversations into
/// frames for a `FrameConsumer`, through the same decoding and reassembly as `CaptureReader`.
///
/// The handle is opened with a 256 KiB snap length, immediate mode, a 16 MiB kernel buffer and
/// nanosecond timestamps where the interface has them; the BPF filter runs in the kernel.
/// `run(into:...)` blocks the calling thread (run it on its own thread) until a `LiveCaptureStop`
/// request, the duration or the packet count; it polls the capture descriptor with a 100 ms
/// timeout, so a stop is seen promptly even when no packet comes.
///
/// ```swift
/// let capture = try LiveCapture(interface: "eth0", filter: "tcp port 6379")
/// var consumer = MyDissector()
/// let result = capture.run(into: &consumer, limits: LiveCaptureLimits(duration: 10), stop: LiveCaptureStop())
/// ```
public final class LiveCapture {
    /// The interface.
    public let interface: String
    /// The BPF filter expression, if any.
    public let filterExpression: String?
    /// The interface's link type.
    public let linkType: LinkType
    /// The snap length in force.
    public let snapshotLength: Int

    private let handle: OpaquePointer
    private let recorder: PcapngPacketRecorder?

    /// Opens and activates the capture.
    /// - Parameters:
    ///   - interface: the interface name (`lo`, `eth0`).
    ///   - filter: a BPF expression; only matching packets are captured.
    ///   - capturePath: when given, every captured packet is written there as pcapng.
    ///   - bufferSize: the kernel capture buffer in bytes.
    /// - Throws: `LiveCaptureError` naming the interface, filter or file and what to do.
    public init(
        interface: String, filter: String? = nil, capturePath: String? = nil, bufferSize: Int = 16 << 20
    ) throws(LiveCaptureError) {
        self.interface = interface
        self.filterExpression = filter
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_create(interface, &errorBuffer) else {
            throw LiveCaptureError(
                kind: .captureFailed, description: "--interface \(interface): \(Self.text(errorBuffer))")
        }
        pcap_set_snaplen(handle, 262_144)
        pcap_set_immediate_mode(handle, 1)
        pcap_set_buffer_size(handle, Int32(clamping: bufferSize))
        _ = pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            switch status {
            case PCAP_ERROR_PERM_DENIED:
                throw LiveCaptureError(
                    kind: .permissionDenied,
                    description:
                        "--interface \(interface): no permission to capture; run as root or give the binary CAP_NET_RAW (setcap cap_net_raw,cap_net_admin+eip)"
                )
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw LiveCaptureError(
                    kind: .noSuchInterface,
                    description: "--interface \(interface): no such interface; 'ip link' lists them")
            case PCAP_ERROR_IFACE_NOT_UP:
                throw LiveCaptureError(
                    kind: .interfaceDown,
                    description:
                        "--interface \(interface): the interface is down; bring it up with 'ip link set \(interface) up'"
                )
            default:
                throw LiveCaptureError(
                    kind: .captureFailed, description: "--interface \(interface): cannot capture: \(detail)")
            }
        }
        linkType = LinkType(pcap_datalink(handle))
        snapshotLength = Int(pcap_snapshot(handle))
        if let filter {
            var program = bpf_program()
            guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                let detail = String(cString: pcap_geterr(handle))
                pcap_close(handle)
                throw LiveCaptureError(kind: .invalidFilter, description: "invalid --filter '\(filter)': \(detail)")
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(handle, &program) == 0 else {
                let detail = String(cString: pcap_geterr(handle))
                pcap_close(handle)
                throw LiveCaptureError(
                    kind: .invalidFilter, description: "cannot install --filter '\(filter)': \(detail)")
            }
        }
        guard pcap_setnonblock(handle, 1, &errorBuffer) == 0 else {
            pcap_close(handle)
            throw LiveCaptureError(
                kind: .captureFailed, description: "--interface \(interface): \(Self.text(errorBuffer))")
        }
        self.handle = handle
        do {
            recorder = try capturePath.map { path throws(LiveCaptureError) in
                try PcapngPacketRecorder(
                    path: path, interface: interface, linkType: LinkType(pcap_datalink(handle)),
                    snapshotLength: Int(pcap_snapshot(handle)))
            }
        } catch {
            pcap_close(handle)
            throw error
        }
    }

    deinit {
        pcap_close(handle)
    }

    /// Captures until `stop` is requested or a limit is reached, then closes every conversation.
    /// - Parameters:
    ///   - consumer: receives everything rebuilt.
    ///   - settings: reassembly limits (they keep memory bounded however long the capture runs).
    ///   - limits: the duration and packet count after which to stop.
    ///   - stop: asked from another thread to stop.
    /// - Returns: counts of what was captured and what was lost.
    public func run<Consumer: FrameConsumer>(
        into consumer: inout Consumer, settings: TCPReassembler.Settings = TCPReassembler.Settings(),
        limits: LiveCaptureLimits = LiveCaptureLimits(), stop: LiveCaptureStop
    ) -> LiveCaptureResult {
        var state = ReadState(settings: settings)
        var number = 0
        let started = Self.monotonicNanoseconds()
        let deadline = limits.duration.map { started &+ Int64(saturating: $0 * 1e9) }
        let descriptor = pcap_get_selectable_fd(handle)
        var failure: String?
        captureLoop: while !stop.isRequested {
            if let packetCount = limits.packetCount, number >= packetCount { break }
            var now = Self.monotonicNanoseconds()
            if let deadline, now >= deadline { break }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<u_char>?
            switch pcap_next_ex(handle, &header, &data) {
            case 1:
                guard let header, let data else { continue }
                number += 1
                let raw = RawPacket(
                    timestamp: Timestamp(
                        nanosecondsSinceEpoch: Int64(header.pointee.ts.tv_sec) &* 1_000_000_000
                            &+ Int64(header.pointee.ts.tv_usec) &* (nanosecondTimestamps ? 1 : 1000)),
                    linkType: linkType, originalLength: Int(header.pointee.len),
                    bytes: UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen)))
                recorder?.write(raw)
                state.count(raw)
                state.decode(raw, number: number, consumer: &consumer)
            case 0:
                now = Self.monotonicNanoseconds()
                let wait = deadline.map { max(0, min(100, ($0 - now) / 1_000_000)) } ?? 100
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&poller, 1, Int32(wait))
            default:
                failure = String(cString: pcap_geterr(handle))
                break captureLoop
            }
        }
        var drops = LiveCaptureDrops()
        var counters = pcap_stat()
        if pcap_stats(handle, &counters) == 0 {
            drops.received = UInt64(counters.ps_recv)
            drops.dropped = UInt64(counters.ps_drop)
            drops.interfaceDropped = UInt64(counters.ps_ifdrop)
        }
        if let failure {
            consumer.report(
                Finding(
                    code: .captureInterfaceFailed, frame: number + 1,
                    message: "capture on \(interface) failed after \(number) packets; those were analysed",
                    detail: "libpcap: \(failure)"))
        }
        let statistics = state.finish(consumer: &consumer)
        drops.undecodable =
            statistics.headerCutPackets + statistics.malformedPackets
            + statistics.unsupportedLinkTypePackets.values.reduce(0, +)
        if drops.dropped > 0 || drops.interfaceDropped > 0 {
            consumer.report(
                Finding(
                    code: .captureDropped,
                    message: "\(drops.dropped + drops.interfaceDropped) packets dropped before Interpose saw them",
                    detail: drops.summary + "; conversations may show tcp.gap where they were"))
        }
        if let recorder {
            var wall = timespec()
            clock_gettime(CLOCK_REALTIME, &wall)
            let ok = recorder.finish(
                drops: drops,
                at: Timestamp(nanosecondsSinceEpoch: Int64(wall.tv_sec) * 1_000_000_000 + Int64(wall.tv_nsec)),
                delivered: number)
            if !ok {
                consumer.report(
                    Finding(
                        code: .captureWriteFailed,
                        message:
                            "--capture \(recorder.path): write failed: \(recorder.failureReason ?? "unknown error")",
                        detail: "the file holds the complete packets written before the failure"))
            }
        }
        return LiveCaptureResult(statistics: statistics, drops: drops)
    }

    // MARK: - Internals

    private var nanosecondTimestamps: Bool {
        pcap_get_tstamp_precision(handle) == PCAP_TSTAMP_PRECISION_NANO
    }

    private static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
