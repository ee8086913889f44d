import CPcap
import InterposeCapture
import InterposeCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads packets through libpcap (`pcap_open_offline_with_tstamp_precision`, nanoseconds).
///
/// libpcap reads pcap of either byte order and timestamp precision, and pcapng, but reports one
/// link type for the whole file: it refuses a pcapng file whose interfaces differ in link type
/// or snap length. `CaptureReader` then continues with `PcapngStreamPacketSource`.
final class LibpcapPacketSource {
    private let handle: OpaquePointer
    /// The file's link type (its first interface's, for pcapng).
    let linkType: LinkType
    /// The snap length of the file (or first interface).
    let snapshotLength: Int
    private let isPcap: Bool
    /// For pcap: the byte offset of the next record (24-byte file header, 16-byte record headers).
    private var nextRecordOffset: Int64 = 24

    /// Opens `path`.
    /// - Throws: `CaptureReadError` with libpcap's reason when it refuses the file.
    init(path: String, format: CaptureFormat) throws(CaptureReadError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard
            let handle = pcap_open_offline_with_tstamp_precision(
                path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
        else {
            let message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CaptureReadError.invalidCapture(path, "libpcap: \(message)")
        }
        self.handle = handle
        self.linkType = LinkType(pcap_datalink(handle))
        self.snapshotLength = Int(pcap_snapshot(handle))
        if case .pcap = format { isPcap = true } else { isPcap = false }
    }

    deinit {
        pcap_close(handle)
    }

    /// The byte position reached in the file (for progress).
    var position: Int64 {
        if isPcap { return nextRecordOffset }
        guard let file = pcap_file(handle) else { return 0 }
        return Int64(ftello(file))
    }

    /// Reads the next packet.
    func next() -> PacketSourceResult {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<u_char>?
        let status = pcap_next_ex(handle, &header, &data)
        switch status {
        case 1:
            guard let header, let data else { return .failed(message: "libpcap returned no packet", offset: nil) }
            let captured = Int(header.pointee.caplen)
            let seconds = Int64(header.pointee.ts.tv_sec)
            let fraction = Int64(header.pointee.ts.tv_usec)
            nextRecordOffset += 16 + Int64(captured)
            return .packet(
                RawPacket(
                    timestamp: Timestamp(nanosecondsSinceEpoch: seconds &* 1_000_000_000 &+ fraction),
                    linkType: linkType, originalLength: Int(header.pointee.len),
                    bytes: UnsafeRawBufferPointer(start: data, count: captured)))
        case PCAP_ERROR_BREAK:
            return .end
        default:
            let message = String(cString: pcap_geterr(handle))
            return .failed(message: message, offset: isPcap ? nextRecordOffset : position)
        }
    }
}
