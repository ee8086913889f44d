import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where a connection redirected by iptables or nftables `REDIRECT` was really going.
///
/// Netfilter rewrites the destination of a redirected connection to the proxy's listener and keeps
/// the original one in conntrack; `getsockopt(SOL_IP, SO_ORIGINAL_DST)` (IPv4) or
/// `getsockopt(SOL_IPV6, IP6T_SO_ORIGINAL_DST)` (IPv6) on the accepted socket returns it.
enum OriginalDestination {
    /// `SO_ORIGINAL_DST` from `<linux/netfilter_ipv4.h>`, the same value as `IP6T_SO_ORIGINAL_DST`.
    static let optionName: CInt = 80

    /// Why the original destination could not be read.
    struct Failure: Error, CustomStringConvertible {
        /// One line naming what happened and what to do.
        var description: String
    }

    /// Reads the original destination of an accepted channel; call it on the channel's event loop,
    /// where the future is already complete.
    /// - Parameter channel: an accepted, active socket channel.
    /// - Returns: the destination the client connected to before netfilter redirected it, or a
    ///   failed future with `Failure` when the connection was not redirected (ENOENT) or the socket
    ///   has no such option.
    static func read(from channel: Channel) -> EventLoopFuture<SocketAddress> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(
                Failure(description: "the channel is not a socket: no original destination"))
        }
        let isIPv6: Bool
        switch channel.localAddress {
        case .v6(let local):
            // An IPv4 client on a dual-stack listener: conntrack knows it as IPv4.
            isIPv6 = !isV4Mapped(local.address.sin6_addr)
        default:
            isIPv6 = false
        }
        let address: EventLoopFuture<SocketAddress>
        if isIPv6 {
            let raw: EventLoopFuture<sockaddr_in6> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(IPPROTO_IPV6), name: SocketOptionName(optionName))
            address = raw.map { SocketAddress($0) }
        } else {
            let raw: EventLoopFuture<sockaddr_in> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(IPPROTO_IP), name: SocketOptionName(optionName))
            address = raw.map { SocketAddress($0) }
        }
        return address.flatMapErrorThrowing { error in throw describe(error) }
    }

    private static func describe(_ error: Error) -> Failure {
        if let io = error as? IOError, io.errnoCode == ENOENT {
            return Failure(
                description: "no original destination (not redirected by an iptables/nftables REDIRECT rule; "
                    + "clients connect to the real service, not to the --listen address)")
        }
        if let io = error as? IOError, io.errnoCode == ENOPROTOOPT {
            return Failure(
                description: "no original destination (netfilter connection tracking is not loaded: "
                    + "add the REDIRECT rule first)")
        }
        return Failure(description: "cannot read the original destination: \(ProxyConnection.describe(error))")
    }

    private static func isV4Mapped(_ address: in6_addr) -> Bool {
        var address = address
        return withUnsafeBytes(of: &address) { bytes in
            bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
        }
    }
}
