import Foundation
import InterposeCapture
import InterposeCore
import InterposeFaults
import InterposeProxy
import Logging
import NIOCore
import NIOPosix
import XCTest

/// Starts real proxies on loopback for the tests in this target.
class ProxyTestCase: XCTestCase {
    var proxies: [ProxyServer] = []
    var sinks: [CaptureSink] = []

    override func tearDown() async throws {
        for proxy in proxies { await proxy.shutdown(grace: .milliseconds(100)) }
        for sink in sinks { _ = sink.close() }
        proxies = []
        sinks = []
    }

    /// A proxy on `listenHost`, port chosen by the kernel, forwarding to `upstreamHost:upstreamPort`.
    func startProxy(
        upstreamHost: String = "127.0.0.1", upstreamPort: Int, listenHost: String = "127.0.0.1",
        capture: CaptureSink.Configuration? = nil, connectTimeout: TimeAmount = .seconds(5),
        toxics: ToxicSet = ToxicSet(), seed: UInt64? = nil, blockOnCaptureOverflow: Bool = false
    ) async throws -> (proxy: ProxyServer, port: Int, sink: CaptureSink?) {
        let sink = try capture.map { try CaptureSink(configuration: $0) }
        if let sink { sinks.append(sink) }
        var logger = Logger(label: "test-proxy")
        logger.logLevel = .warning
        let proxy = ProxyServer(
            configuration: .init(
                listen: HostPort(host: listenHost, port: 0),
                upstream: HostPort(host: upstreamHost, port: UInt16(upstreamPort)),
                connectTimeout: connectTimeout, blockOnCaptureOverflow: blockOnCaptureOverflow, toxics: toxics,
                faultSeed: seed),
            group: MultiThreadedEventLoopGroup.singleton, sink: sink, logger: logger)
        let address = try await proxy.start()
        proxies.append(proxy)
        return (proxy, address.port!, sink)
    }

    /// Polls `condition` until it holds or `timeout` seconds pass.
    func waitUntil(timeout: Double = 10, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return condition()
    }

    /// Runs blocking socket work off the cooperative pool.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
