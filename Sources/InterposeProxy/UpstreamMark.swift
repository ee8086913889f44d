import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// `--mark N`: the firewall mark (`SO_MARK`) on every upstream socket of a transparent proxy, so
/// that `iptables -t nat -A OUTPUT -m mark ! --mark N ... -j REDIRECT` leaves them alone.
enum UpstreamMark {
    /// The channel option that sets the mark on a `ClientBootstrap`'s socket.
    static let option = ChannelOptions.Types.SocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SO_MARK)

    /// Sets the mark on a throwaway socket, so a missing privilege stops the proxy at start rather
    /// than failing every connection.
    /// - Parameter mark: the mark to try.
    /// - Throws: `ProxyError.cannotMark` when the kernel refuses it (EPERM without CAP_NET_ADMIN).
    static func check(_ mark: UInt32) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw ProxyError.cannotMark(mark, reason: String(cString: strerror(errno)).lowercased())
        }
        defer { close(fd) }
        var value = mark
        guard setsockopt(fd, SOL_SOCKET, SO_MARK, &value, socklen_t(MemoryLayout<UInt32>.size)) == 0 else {
            throw ProxyError.cannotMark(mark, reason: String(cString: strerror(errno)).lowercased())
        }
    }
}
