import InterposeCapture
import InterposeChecks
import InterposeCore
import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A whole `interpose proxy` run: open the capture, listen, forward until told to stop, drain
/// within the grace period, close the capture, and sum it all up.
///
/// Start-up is all or nothing: if the listening socket cannot be bound, the capture file just
/// created is removed again, so a failed start leaves nothing half-made behind.
public struct ProxySession: Sendable {
    /// Everything a run needs.
    public struct Options: Sendable {
        /// Listen and upstream addresses, timeouts.
        public var proxy: ProxyServer.Configuration
        /// Where and how to record; `nil` records nothing.
        public var capture: CaptureSink.Configuration?
        /// How long open connections may go on after a stop request.
        public var grace: TimeAmount
        /// `--capture-encrypted`: where the encrypted bytes of intercepted TLS connections and their
        /// keys are recorded; `nil` records none. Needs `proxy.tls`.
        public var encryptedCapture: CaptureSink.Configuration?

        /// Options for a run.
        public init(proxy: ProxyServer.Configuration, capture: CaptureSink.Configuration?, grace: TimeAmount) {
            self.proxy = proxy
            self.capture = capture
            self.grace = grace
        }
    }

    /// What a finished run did.
    public struct Summary: Sendable, CustomStringConvertible {
        /// The proxy's counters after the last connection closed.
        public var proxy: ProxyStatistics.Snapshot
        /// The capture's counters, when recording.
        public var capture: CaptureStatistics?
        /// Connections reset because they outlived the grace period.
        public var abortedAtShutdown: Int
        /// With `--check`: findings by severity, over the whole run.
        public var findingCounts: [Severity: Int]?
        /// With `--check`: the findings only the whole run shows (version drift, status summaries).
        public var summaryFindings: [Finding] = []
        /// Whether TLS interception was on (the summary then counts its handshakes).
        public var tlsIntercepting = false
        /// With `--capture-encrypted`: that capture's counters.
        public var encryptedCapture: CaptureStatistics?

        /// A summary of a run's counters.
        public init(
            proxy: ProxyStatistics.Snapshot, capture: CaptureStatistics?, abortedAtShutdown: Int,
            findingCounts: [Severity: Int]? = nil, summaryFindings: [Finding] = []
        ) {
            self.proxy = proxy
            self.capture = capture
            self.abortedAtShutdown = abortedAtShutdown
            self.findingCounts = findingCounts
            self.summaryFindings = summaryFindings
        }

        /// Whether `--check` found an error, or an intercepted TLS handshake failed: the command then
        /// exits 1.
        public var hasErrorFindings: Bool {
            (findingCounts?[.error] ?? 0) > 0 || proxy.tlsClientFailures > 0 || proxy.tlsUpstreamFailures > 0
        }

        /// Whether writing a capture failed (a full disk): the command then exits 1, the reason in
        /// the summary's capture line.
        public var captureFailed: Bool { capture?.writeError != nil || encryptedCapture?.writeError != nil }

        /// A few lines for people: connections, bytes, capture packets and losses.
        public var description: String {
            var lines = [String]()
            lines.append(
                "\(proxy.accepted) connection\(proxy.accepted == 1 ? "" : "s"): \(proxy.closedGracefully) closed cleanly, "
                    + "\(proxy.closedAbnormally) reset or failed (\(proxy.upstreamFailures) upstream connect failures, "
                    + "\(abortedAtShutdown) cut at shutdown)")
            lines.append(
                "forwarded \(ByteCount(proxy.bytesToServer)) client->server, \(ByteCount(proxy.bytesToClient)) server->client"
            )
            if let capture {
                var line =
                    "capture \(capture.files.joined(separator: ", ")): \(capture.packetsWritten) packets, "
                    + "\(ByteCount(capture.fileBytesWritten)) written, \(ByteCount(capture.droppedBytes)) dropped "
                    + "(\(capture.droppedRecords) records)"
                if let error = capture.writeError { line += "; write error: \(error)" }
                lines.append(line)
            }
            if tlsIntercepting {
                lines.append(
                    "tls: \(proxy.tlsIntercepted) intercepted, \(proxy.tlsClientFailures) client handshakes failed, "
                        + "\(proxy.tlsUpstreamFailures) upstream handshakes failed")
            }
            if let encryptedCapture {
                lines.append(
                    "encrypted capture \(encryptedCapture.files.joined(separator: ", ")): "
                        + "\(encryptedCapture.packetsWritten) packets, \(ByteCount(encryptedCapture.droppedBytes)) dropped"
                        + (encryptedCapture.writeError.map { "; write error: \($0)" } ?? ""))
            }
            if let findingCounts {
                lines.append(
                    "checks: \(findingCounts[.error] ?? 0) errors, \(findingCounts[.warning] ?? 0) warnings, "
                        + "\(findingCounts[.info] ?? 0) info")
                for finding in summaryFindings { lines.append("  \(finding)") }
            }
            return lines.joined(separator: "\n")
        }
    }

    private let options: Options
    private let logger: Logger

    /// A run with these options; nothing starts until `run`.
    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Runs the proxy until `stopRequested` returns, then shuts down gracefully.
    /// - Parameters:
    ///   - onReady: called once listening, with the bound address.
    ///   - stopRequested: suspends until the run should stop (a signal, a test's say-so).
    /// - Returns: the summary.
    /// - Throws: `CaptureError` or `ProxyError` when start-up fails; nothing is left running then.
    public func run(
        onReady: @Sendable (SocketAddress) -> Void,
        until stopRequested: @Sendable () async -> Void
    ) async throws -> Summary {
        ResourceLimits.raiseOpenFileLimit()
        let logger = self.logger
        func logged(_ configuration: CaptureSink.Configuration) -> CaptureSink.Configuration {
            var configuration = configuration
            // Said when it happens (the proxy keeps forwarding); the summary and exit status say it again.
            configuration.onWriteError = { reason in
                logger.error("capture failed, recording stopped (forwarding goes on): \(reason)")
            }
            return configuration
        }
        let sink = try options.capture.map { try CaptureSink(configuration: logged($0)) }
        let encryptedSink: CaptureSink?
        do {
            encryptedSink = try options.encryptedCapture.map { try CaptureSink(configuration: logged($0)) }
        } catch {
            if let sink { for file in sink.close().files { unlink(file) } }
            throw error
        }
        let clock = CaptureClock()
        var configuration = options.proxy
        configuration.encryptedSink = encryptedSink
        let server = ProxyServer(
            configuration: configuration, group: MultiThreadedEventLoopGroup.singleton, sink: sink,
            clock: clock, logger: logger)
        let address: SocketAddress
        do {
            address = try await server.start()
        } catch {
            for created in [sink, encryptedSink] {
                if let created { for file in created.close().files { unlink(file) } }
            }
            throw error
        }
        onReady(address)
        await stopRequested()
        let aborted = await server.shutdown(grace: options.grace)
        let captureStats = sink?.close()
        var summary = Summary(proxy: server.statistics.snapshot, capture: captureStats, abortedAtShutdown: aborted)
        summary.tlsIntercepting = options.proxy.tls != nil
        summary.encryptedCapture = encryptedSink?.close()
        if let checks = options.proxy.checks {
            summary.summaryFindings = checks.summary().findings
            summary.findingCounts = checks.counts
        }
        return summary
    }
}
