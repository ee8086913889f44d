/// The control bits of a TCP header.
public struct TCPFlags: OptionSet, Hashable, Sendable {
    /// The flag bits, as in the header's low byte.
    public var rawValue: UInt8

    /// Flags from the header's flag byte.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// No more data from the sender.
    public static let fin = TCPFlags(rawValue: 0x01)
    /// Synchronize sequence numbers (connection open).
    public static let syn = TCPFlags(rawValue: 0x02)
    /// Reset the connection.
    public static let rst = TCPFlags(rawValue: 0x04)
    /// Push.
    public static let psh = TCPFlags(rawValue: 0x08)
    /// The acknowledgement number is valid.
    public static let ack = TCPFlags(rawValue: 0x10)
    /// Urgent pointer is valid.
    public static let urg = TCPFlags(rawValue: 0x20)
}
