import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A plain blocking TCP socket with timeouts, for tests that need exact control over FIN, RST and
/// timing (half-close, resets), which higher-level clients hide.
public final class BlockingSocket: @unchecked Sendable {
    /// A socket call that failed, with errno.
    public struct SocketError: Error, CustomStringConvertible, Equatable {
        /// What was being done.
        public var operation: String
        /// The errno value.
        public var errno: Int32
        public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
    }

    /// The file descriptor.
    public private(set) var fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Connects to `host:port` (numeric IPv4 or IPv6).
    /// - Parameter timeout: seconds each later send and receive may block.
    public static func connect(host: String, port: UInt16, timeout: Double = 10) throws -> BlockingSocket {
        let isV6 = host.contains(":")
        let fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        let sock = BlockingSocket(fd: fd)
        sock.setTimeout(timeout)
        let rc: Int32
        if isV6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &addr.sin6_addr)
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &addr.sin_addr)
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard rc == 0 else { throw SocketError(operation: "connect \(host):\(port)", errno: errno) }
        return sock
    }

    /// Listens on `host:port` (port 0 picks a free one; read it from `localPort`).
    public static func listen(host: String = "127.0.0.1", port: UInt16 = 0) throws -> BlockingSocket {
        let isV6 = host.contains(":")
        let fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(operation: "socket", errno: errno) }
        let sock = BlockingSocket(fd: fd)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let rc: Int32
        if isV6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &addr.sin6_addr)
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &addr.sin_addr)
            rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard rc == 0 else { throw SocketError(operation: "bind \(host):\(port)", errno: errno) }
        guard Glibc.listen(fd, 1024) == 0 else { throw SocketError(operation: "listen", errno: errno) }
        return sock
    }

    /// The bound local port.
    public var localPort: UInt16 {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { ptr -> UInt16 in
            if family == sa_family_t(AF_INET6) {
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    UInt16(bigEndian: $0.pointee.sin6_port)
                }
            }
            return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// Accepts one connection, waiting at most `timeout` seconds.
    public func accept(timeout: Double = 10) throws -> BlockingSocket {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) == 1 else {
            throw SocketError(operation: "accept (timed out after \(timeout)s)", errno: ETIMEDOUT)
        }
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else { throw SocketError(operation: "accept", errno: errno) }
        let sock = BlockingSocket(fd: client)
        sock.setTimeout(timeout)
        return sock
    }

    /// Sets the send and receive timeouts.
    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends all of `bytes`.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "send", errno: errno)
            }
            offset += n
        }
    }

    /// Sends a string's UTF-8 bytes.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Receives whatever is available (at most `max` bytes); empty at EOF.
    public func receive(max: Int = 65536) throws -> [UInt8] {
        var buf = [UInt8](repeating: 0, count: max)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, max, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketError(operation: "recv", errno: errno)
            }
            return Array(buf[0..<n])
        }
    }

    /// Receives exactly `count` bytes (throws at EOF before that).
    public func receive(exactly count: Int) throws -> [UInt8] {
        var out = [UInt8]()
        while out.count < count {
            let chunk = try receive(max: min(65536, count - out.count))
            if chunk.isEmpty {
                throw SocketError(operation: "recv (EOF after \(out.count) of \(count) bytes)", errno: 0)
            }
            out += chunk
        }
        return out
    }

    /// Receives until the peer's FIN.
    public func receiveUntilEOF() throws -> [UInt8] {
        var out = [UInt8]()
        while true {
            let chunk = try receive()
            if chunk.isEmpty { return out }
            out += chunk
        }
    }

    /// Half-closes: sends FIN, keeps receiving.
    public func shutdownWrite() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes with RST instead of FIN (SO_LINGER 0).
    public func reset() {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Closes normally.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Makes sends and receives non-blocking (they then fail with EAGAIN instead of waiting).
    public func setNonBlocking() {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Sends as much of `bytes` as the kernel takes without blocking; returns the count.
    public func sendAvailable(_ bytes: [UInt8]) -> Int {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL)) }
        return max(n, 0)
    }
}

extension BlockingSocket {
    /// Polls until something accepts connections on `host:port`, for servers a test started.
    /// - Returns: whether it did within `timeout` seconds.
    public static func waitForListener(host: String = "127.0.0.1", port: UInt16, timeout: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let socket = try? BlockingSocket.connect(host: host, port: port, timeout: 1) {
                socket.close()
                return true
            }
            usleep(50_000)
        }
        return false
    }
}
