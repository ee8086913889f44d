/// Why a capture file could not be read at all: the command line prints it as one line and exits 2.
///
/// Problems found *inside* a readable file (a truncated last record, packets cut by the snap
/// length) are not errors but findings: everything before them is still analysed.
public struct CaptureReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for callers that act on it (tests, `check`).
    public enum Kind: Sendable, Hashable {
        /// The file could not be opened or read (missing, a directory, permissions).
        case unreadable
        /// The file is not pcap or pcapng (or is empty).
        case notACapture
        /// The file is pcap or pcapng, but libpcap refuses its header (bad version, bad block).
        case invalidCapture
        /// The link type is not one the reader decodes.
        case unsupportedLinkType
        /// The `--filter` expression does not compile.
        case invalidFilter
    }

    /// What went wrong.
    public let kind: Kind
    /// The file it is about.
    public let path: String
    /// The reason, in words (often libpcap's own).
    public let reason: String

    /// An error from its parts; prefer the static factories.
    public init(kind: Kind, path: String, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    /// The file could not be opened or read.
    public static func unreadable(_ path: String, _ reason: String) -> CaptureReadError {
        CaptureReadError(kind: .unreadable, path: path, reason: reason)
    }

    /// The file does not start with a pcap or pcapng magic number.
    public static func notACapture(_ path: String, magic: [UInt8]) -> CaptureReadError {
        if magic.isEmpty {
            return CaptureReadError(kind: .notACapture, path: path, reason: "empty file, not a pcap or pcapng file")
        }
        let hex = magic.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        return CaptureReadError(
            kind: .notACapture, path: path, reason: "not a pcap or pcapng file (bad magic 0x\(hex))")
    }

    /// libpcap refused the file's header.
    public static func invalidCapture(_ path: String, _ reason: String) -> CaptureReadError {
        CaptureReadError(kind: .invalidCapture, path: path, reason: reason)
    }

    /// The link type is not decoded.
    public static func unsupportedLinkType(_ path: String, _ linkType: LinkType) -> CaptureReadError {
        CaptureReadError(
            kind: .unsupportedLinkType, path: path,
            reason: "unsupported link type \(linkType) (supported: Ethernet, Linux SLL/SLL2, NULL/LOOP, raw IP)")
    }

    /// The BPF filter does not compile.
    public static func invalidFilter(_ path: String, filter: String, _ reason: String) -> CaptureReadError {
        CaptureReadError(kind: .invalidFilter, path: path, reason: "invalid --filter '\(filter)': \(reason)")
    }

    /// `cannot read capture PATH: REASON`, or `invalid --filter ...` for a filter error.
    public var description: String {
        if kind == .invalidFilter { return reason }
        return "cannot read capture \(path): \(reason)"
    }
}
