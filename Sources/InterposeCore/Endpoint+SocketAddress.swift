import NIOCore

extension Endpoint {
    /// The endpoint of an IPv4 or IPv6 socket address; `nil` for a Unix domain address.
    public init?(socketAddress: SocketAddress) {
        guard let text = socketAddress.ipAddress, let port = socketAddress.port, let address = IPAddress(text)
        else { return nil }
        self.init(address: address, port: UInt16(clamping: port))
    }
}
