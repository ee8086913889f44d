import InterposeCapture
import InterposeCore

/// One decoded TCP segment: the fields reassembly needs and a view of its payload.
///
/// `payload` points into the packet the reader is holding (libpcap's buffer, or a reassembled IP
/// datagram) and is valid only while that packet is being processed; reassembly copies what it
/// keeps. Tests build segments over their own bytes with `withUnsafeBytes`.
public struct TCPSegment {
    /// The sender.
    public var source: Endpoint
    /// The receiver.
    public var destination: Endpoint
    /// The sequence number of the first payload byte (or of the SYN/FIN).
    public var sequence: UInt32
    /// The acknowledgement number (meaningful when `flags` contains `.ack`).
    public var acknowledgment: UInt32
    /// The control bits.
    public var flags: TCPFlags
    /// The payload bytes that were captured.
    public var payload: UnsafeRawBufferPointer
    /// Payload bytes the IP header announces but the capture does not hold (cut by the snap length).
    public var missingPayload: Int

    /// A segment from its parts.
    public init(
        source: Endpoint, destination: Endpoint, sequence: UInt32, acknowledgment: UInt32, flags: TCPFlags,
        payload: UnsafeRawBufferPointer, missingPayload: Int = 0
    ) {
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.acknowledgment = acknowledgment
        self.flags = flags
        self.payload = payload
        self.missingPayload = missingPayload
    }

    /// Sequence space taken by the payload, captured or not (SYN and FIN not included).
    public var payloadLength: Int { payload.count + missingPayload }
}
