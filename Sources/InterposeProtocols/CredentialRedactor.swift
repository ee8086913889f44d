import InterposeCore
import NIOCore

/// What a capture records in place of one conversation's bytes: the same bytes with the credentials
/// its protocol marks overwritten by `*` (0x2A), every length kept (docs/DESIGN.md, "Files and
/// permissions"). The bytes forwarded are never changed; this is only what is recorded.
///
/// The protocol is detected once, from the first bytes either side sent and the server port (the
/// detection of `interpose check`, with its port hints), and its descriptor's `CredentialLocator`
/// then reads every byte of both directions. A protocol without a locator (or TLS not intercepted)
/// is recorded as it is.
///
/// ```swift
/// var redactor = CredentialRedactor(detector: ProtocolDetector(), serverPort: 6379)
/// let recorded = redactor.redact(ByteBuffer(string: "*2\r\n$4\r\nAUTH\r\n$6\r\nsecret\r\n"), direction: .clientToServer)
/// // recorded.bytes ends in "******\r\n"; recorded.rules == ["redis AUTH argument"]
/// ```
public struct CredentialRedactor {
    /// What to record for one read.
    public struct Redaction {
        /// The bytes, secrets overwritten (the buffer given, untouched, when it holds none).
        public var bytes: ByteBuffer
        /// The rules that marked bytes in them, in order, each once.
        public var rules: [String]
        /// The rules whose secrets began in bytes fed earlier, so recorded before they were found.
        public var alreadyRecorded: [String]
    }

    /// The byte written over a secret's.
    public static let filler = UInt8(ascii: "*")

    private let detector: ProtocolDetector
    private let serverPort: UInt16
    private let forced: ApplicationProtocol?
    private var detected = false
    private var locator: (any CredentialLocator)?
    private var offsets = DirectionPair<Int64>(repeating: 0)
    private var spans: [CredentialSpan] = []

    /// A redactor at the start of a conversation with a server on `serverPort`.
    /// - Parameters:
    ///   - detector: how the protocol is told (its port hints, its registry).
    ///   - serverPort: the server's port.
    ///   - forced: the protocol to read it as whatever its bytes say (`--protocol`), if one is.
    public init(detector: ProtocolDetector, serverPort: UInt16, forced: ApplicationProtocol? = nil) {
        self.detector = detector
        self.serverPort = serverPort
        self.forced = forced
    }

    /// The protocol detected, once a byte was seen; `nil` before.
    public private(set) var protocolName: String?

    /// The next bytes of `direction`, as they are to be recorded.
    public mutating func redact(_ buffer: ByteBuffer, direction: Direction) -> Redaction {
        let count = buffer.readableBytes
        let start = offsets[direction]
        offsets[direction] += Int64(count)
        if !detected, count > 0 {
            detected = true
            detect(Array(buffer.readableBytesView.prefix(ProtocolDetector.prefixLength)), direction: direction)
        }
        var result = Redaction(bytes: buffer, rules: [], alreadyRecorded: [])
        guard locator != nil else { return result }
        spans.removeAll(keepingCapacity: true)
        buffer.withUnsafeReadableBytes { locator!.locate($0, direction: direction, into: &spans) }
        guard !spans.isEmpty else { return result }
        let end = start + Int64(count)
        result.bytes.withUnsafeMutableReadableBytes { bytes in
            for span in spans {
                if span.offsets.lowerBound < start, !result.alreadyRecorded.contains(span.rule) {
                    result.alreadyRecorded.append(span.rule)
                }
                let lower = max(span.offsets.lowerBound, start)
                let upper = min(span.offsets.upperBound, end)
                guard lower < upper else { continue }
                for offset in lower..<upper { bytes[Int(offset - start)] = Self.filler }
                if !result.rules.contains(span.rule) { result.rules.append(span.rule) }
            }
        }
        return result
    }

    private mutating func detect(_ prefix: [UInt8], direction: Direction) {
        let detection =
            forced.map { ProtocolDetector.Detection(application: $0, name: $0.rawValue) }
            ?? detector.detect(
                client: direction == .clientToServer ? prefix : [],
                server: direction == .serverToClient ? prefix : [], serverPort: serverPort)
        protocolName = detection.name
        if detection.name == detection.application.rawValue {
            locator = detector.registry.descriptor(for: detection.application).makeCredentialLocator?()
        }
    }
}
