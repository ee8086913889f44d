import Foundation
import InterposeCapture
import InterposeCore
import InterposeProxy
import InterposeTestSupport
import NIOConcurrencyHelpers
import NIOCore
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Half-close, reset and failure propagate through the proxy as they would on a direct connection.
final class ProxyConnectionLifecycleTests: ProxyTestCase {
    func testServerFirstHalfCloseKeepsClientDirectionFlowing() async throws {
        let upstream = try BlockingSocket.listen()
        let (proxy, port, _) = try await startProxy(upstreamPort: Int(upstream.localPort))
        try await blocking {
            let client = try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port))
            let server = try upstream.accept()
            try server.send("greeting")
            server.shutdownWrite()
            XCTAssertEqual(String(decoding: try client.receiveUntilEOF(), as: UTF8.self), "greeting")
            // The server has sent FIN; the client can still talk and the server still hears it.
            try client.send("late words")
            client.shutdownWrite()
            XCTAssertEqual(String(decoding: try server.receiveUntilEOF(), as: UTF8.self), "late words")
            client.close()
            server.close()
        }
        let closed = await waitUntil { proxy.statistics.snapshot.closedGracefully == 1 }
        XCTAssertTrue(closed, "\(proxy.statistics.snapshot)")
    }

    func testClientFirstHalfCloseKeepsServerDirectionFlowing() async throws {
        let upstream = try BlockingSocket.listen()
        let (proxy, port, _) = try await startProxy(upstreamPort: Int(upstream.localPort))
        try await blocking {
            let client = try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port))
            let server = try upstream.accept()
            let request = [UInt8](repeating: 0x61, count: 300_000)
            try client.send(request)
            client.shutdownWrite()
            XCTAssertEqual(try server.receiveUntilEOF(), request, "all data written before the FIN arrives before it")
            let answer = [UInt8](repeating: 0x62, count: 500_000)
            try server.send(answer)
            server.shutdownWrite()
            XCTAssertEqual(try client.receiveUntilEOF(), answer)
            client.close()
            server.close()
        }
        let closed = await waitUntil { proxy.statistics.snapshot.closedGracefully == 1 }
        XCTAssertTrue(closed, "\(proxy.statistics.snapshot)")
    }

    /// A client that sends its request and half-closes at once: NIO may deliver those bytes and the
    /// EOF before the upstream connection exists. They must wait for it, not be dropped (a lost EOF
    /// left the connection hanging; lost bytes never reached the upstream).
    func testBytesAndEOFSentBeforeTheUpstreamConnectsAreForwarded() async throws {
        let server = try ScriptedServer(
            python: """
                import socket, sys, threading
                def handle(c):
                    data = b""
                    while True:
                        d = c.recv(65536)
                        if not d: break
                        data += d
                    c.sendall(str(len(data)).encode()); c.close()
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(512)
                while True:
                    c, _ = s.accept(); threading.Thread(target=handle, args=(c,), daemon=True).start()
                """)
        defer { server.stop() }
        let (_, port, _) = try await startProxy(upstreamPort: Int(server.port))
        // Many at once: the race needs the event loops busy accepting while bytes arrive.
        let answers: [String] = try await blocking {
            let results = NIOLockedValueBox([String]())
            DispatchQueue.concurrentPerform(iterations: 400) { _ in
                let answer: String
                do {
                    let socket = try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port))
                    defer { socket.close() }
                    socket.setTimeout(5)
                    try socket.send([UInt8](repeating: 0x78, count: 100))
                    socket.shutdownWrite()
                    answer = String(decoding: try socket.receiveUntilEOF(), as: UTF8.self)
                } catch {
                    answer = "\(error)"
                }
                results.withLockedValue { $0.append(answer) }
            }
            return results.withLockedValue { $0 }
        }
        XCTAssertEqual(answers.filter { $0 != "100" }, [], "every connection's 100 bytes and EOF reached the upstream")
    }

    func testClientResetReachesUpstreamAsReset() async throws {
        let upstream = try BlockingSocket.listen()
        let (proxy, port, _) = try await startProxy(upstreamPort: Int(upstream.localPort))
        let error: BlockingSocket.SocketError? = try await blocking {
            let client = try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port))
            let server = try upstream.accept()
            try client.send("x")
            _ = try server.receive(exactly: 1)
            client.reset()
            server.setTimeout(3)
            do {
                _ = try server.receiveUntilEOF()
                return nil
            } catch let e as BlockingSocket.SocketError {
                return e
            }
        }
        XCTAssertEqual(
            error?.errno, ECONNRESET, "the upstream must see a reset, not a FIN: \(String(describing: error))")
        let closed = await waitUntil { proxy.statistics.snapshot.closedAbnormally == 1 }
        XCTAssertTrue(closed)
    }

    func testUpstreamResetReachesClientAsReset() async throws {
        let upstream = try BlockingSocket.listen()
        let (_, port, _) = try await startProxy(upstreamPort: Int(upstream.localPort))
        let error: BlockingSocket.SocketError? = try await blocking {
            let client = try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port))
            let server = try upstream.accept()
            try server.send("y")
            _ = try client.receive(exactly: 1)
            server.reset()
            client.setTimeout(3)
            do {
                _ = try client.receiveUntilEOF()
                return nil
            } catch let e as BlockingSocket.SocketError {
                return e
            }
        }
        XCTAssertEqual(error?.errno, ECONNRESET, "the client must see a reset: \(String(describing: error))")
    }

    func testRefusedUpstreamClosesClientPromptly() async throws {
        // A port nobody listens on: bind, learn the port, close.
        let refusedPort = FreePort.next()
        let (proxy, port, _) = try await startProxy(upstreamPort: Int(refusedPort))
        let started = Date()
        let outcome: String = try await blocking {
            let client = try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port))
            client.setTimeout(5)
            do {
                let rest = try client.receiveUntilEOF()
                return "EOF after \(rest.count) bytes"
            } catch let e as BlockingSocket.SocketError {
                return e.errno == ECONNRESET ? "reset" : "error \(e)"
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(outcome, "reset", "a refused upstream is passed on as a refusal (RST)")
        XCTAssertLessThan(elapsed, 1.0, "the client must not wait for a timeout")
        let counted = await waitUntil { proxy.statistics.snapshot.upstreamFailures == 1 }
        XCTAssertTrue(counted, "\(proxy.statistics.snapshot)")
    }

    func testSlowReaderBoundsWhatTheProxyBuffers() async throws {
        let upstream = try BlockingSocket.listen()
        let (_, port, _) = try await startProxy(upstreamPort: Int(upstream.localPort))
        let rssBefore = ProxyTestCase.residentBytes()
        let (accepted, rssDuring): (Int, Int) = try await blocking {
            let client = try BlockingSocket.connect(host: "127.0.0.1", port: UInt16(port))
            let server = try upstream.accept()
            // The server reads nothing: the client must soon be unable to push more.
            client.setNonBlocking()
            let chunk = [UInt8](repeating: 0x7A, count: 1 << 20)
            var total = 0
            var idleRounds = 0
            let deadline = Date().addingTimeInterval(20)
            while idleRounds < 50 && Date() < deadline && total < 512 << 20 {
                let n = client.sendAvailable(chunk)
                if n == 0 {
                    idleRounds += 1
                    usleep(10_000)
                } else {
                    idleRounds = 0
                    total += n
                }
            }
            let rss = ProxyTestCase.residentBytes()
            // Now drain it, so the transfer finishes and nothing was lost.
            var received = 0
            client.shutdownWrite()
            while received < total {
                let got = try server.receive(max: 1 << 20)
                if got.isEmpty { break }
                received += got.count
            }
            XCTAssertEqual(received, total, "every accepted byte reaches the upstream")
            client.close()
            server.close()
            return (total, rss)
        }
        // Kernel socket buffers on both legs hold some megabytes; the proxy itself adds at most a
        // read and a write buffer. An unbounded proxy would have taken all 512 MiB.
        XCTAssertLessThan(accepted, 64 << 20, "the client pushed \(accepted) bytes into a non-reading upstream")
        XCTAssertLessThan(rssDuring - rssBefore, 48 << 20, "memory grew by \(rssDuring - rssBefore) bytes")
    }
}

extension ProxyTestCase {
    /// This process's resident set size (VmRSS) in bytes.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.filter { $0.isNumber }
            return (Int(digits) ?? 0) * 1024
        }
        return 0
    }
}
