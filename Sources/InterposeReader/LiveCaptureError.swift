/// Why a live capture could not start: the command line prints it as one line and exits 2.
public struct LiveCaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for callers that act on it (tests).
    public enum Kind: Sendable, Hashable {
        /// The process may not capture (`PCAP_ERROR_PERM_DENIED`): run as root or grant CAP_NET_RAW.
        case permissionDenied
        /// No interface has that name (`PCAP_ERROR_NO_SUCH_DEVICE`).
        case noSuchInterface
        /// The interface exists but is down (`PCAP_ERROR_IFACE_NOT_UP`).
        case interfaceDown
        /// The `--filter` expression does not compile for the interface.
        case invalidFilter
        /// libpcap refused for another reason.
        case captureFailed
        /// The `--capture` file cannot be written.
        case unwritableCapture
    }

    /// What went wrong.
    public let kind: Kind
    /// The whole line shown to the user.
    public let description: String

    /// An error from its parts.
    public init(kind: Kind, description: String) {
        self.kind = kind
        self.description = description
    }
}
