import ArgumentParser
import InterposeAnalysis
import InterposeCapture
import InterposeChecks
import InterposeControl
import InterposeCore
import InterposeFaults
import InterposeProxy
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// `interpose proxy`: forward a TCP service unchanged and record every frame.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Forward TCP connections to an upstream unchanged, recording them to a pcapng file.",
        discussion: """
            Example: interpose proxy --listen 127.0.0.1:7000 --upstream 127.0.0.1:6379 --capture redis.pcapng
            Many proxies: interpose proxy --config proxies.yaml, or interpose proxy --control 127.0.0.1:8474
            and create them through the Toxiproxy-compatible control API (--listen/--upstream then add
            one proxy named 'default').
            Transparent: interpose proxy --transparent --listen 0.0.0.0:7000 --mark 7 forwards each connection
            an iptables/nftables REDIRECT rule sent to port 7000 to where it was going (see README).
            SIGINT or SIGTERM stops accepting, lets open connections finish for --grace seconds,
            closes the capture and prints a summary.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Address to accept clients on.", valueName: "HOST:PORT"))
    var listen: String?

    @Option(name: .long, help: ArgumentHelp("Service to forward every connection to.", valueName: "HOST:PORT"))
    var upstream: String?

    @Flag(
        help: """
            Transparent proxy: forward each connection to its original destination, as an iptables/nftables \
            REDIRECT rule to --listen left it (SO_ORIGINAL_DST); no --upstream.
            """)
    var transparent = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "With --transparent: set this SO_MARK on upstream sockets, for a rule that excludes them (needs CAP_NET_ADMIN).",
            valueName: "N"),
        transform: NumberRange.socketMark.parser)
    var mark: UInt32?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Serve the Toxiproxy-compatible control API and /metrics here (loopback unless --control-token).",
            valueName: "HOST:PORT"))
    var control: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Bearer token the control API requires (needed when --control is not a loopback address).",
            valueName: "TOKEN"))
    var controlToken: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Record each proxy to DIR/<name>.pcapng.", valueName: "DIR"))
    var captureDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Start the proxies (and control API) described in this YAML file.", valueName: "FILE"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("Write every frame to this pcapng file (mode 0600).", valueName: "FILE"))
    var capture: String?

    @Flag(name: .long, help: "Also record the proxy-to-upstream leg, as a second interface.")
    var captureUpstreamLeg = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "When the capture cannot keep up: drop (keep forwarding, count the loss) or block (slow the connections).",
            valueName: "drop|block"))
    var captureOverflow: String = "drop"

    @Option(name: .long, help: ArgumentHelp("Capture queue size before overflow (e.g. 64M).", valueName: "SIZE"))
    var captureBuffer: String = "64M"

    @Option(name: .long, help: ArgumentHelp("Start a new capture file after this size (e.g. 1G).", valueName: "SIZE"))
    var rotateSize: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds to wait for the upstream connection (0.001 to 86400; default 5).", valueName: "SECONDS"),
        transform: NumberRange.connectTimeout.parser)
    var connectTimeout: Double = 5

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds open connections may go on after SIGINT/SIGTERM (0 to 86400; default 5).", valueName: "SECONDS"),
        transform: NumberRange.grace.parser)
    var grace: Double = 5

    @Option(
        name: .long, help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error.", valueName: "LEVEL"))
    var logLevel: String = "info"

    @Flag(
        help: """
            Run the protocol checks of 'interpose check' live: findings are logged as they happen and written \
            into the capture as packet comments; exit status 1 when one is an error.
            """)
    var check = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            """
            Inject a fault, Toxiproxy's model (repeatable, chained in order): latency, bandwidth, slicer, timeout, \
            reset_peer, limit_data, slow_close, connect_delay, http_status, redis_error, drop_after_requests; \
            e.g. latency:downstream:latency=100,jitter=10 or http_status:upstream:status=503,toxicity=0.2.
            """,
            valueName: "TYPE[:STREAM][:KEY=VALUE,...]"))
    var toxic: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp("Seed of the faults' random choices: the same seed, the same faults.", valueName: "N"),
        transform: NumberRange.seed.parser)
    var seed: UInt64?

    @OptionGroup var dissection: ProtocolOptions

    @OptionGroup var tls: TLSOptions

    func run() async throws {
        if transparent && upstream != nil {
            throw CommandLineError(
                "--transparent forwards each connection to its original destination: drop --upstream")
        }
        if mark != nil && !transparent { throw CommandLineError("--mark N needs --transparent") }
        if control != nil || config != nil || captureDir != nil {
            if tls.tlsIntercept {
                throw CommandLineError("--tls-intercept works with --listen only, not --control/--config/--capture-dir")
            }
            if transparent {
                throw CommandLineError("--transparent works with --listen only, not --control/--config/--capture-dir")
            }
            return try await runMany()
        }
        guard let listen else { throw CommandLineError("--listen HOST:PORT is required (or --control, --config)") }
        if controlToken != nil { throw CommandLineError("--control-token needs --control HOST:PORT") }
        let listenAddress = try HostPort(parsing: listen, what: "--listen")
        let upstreamAddress: HostPort?
        if transparent {
            upstreamAddress = nil
        } else {
            guard let upstream else { throw CommandLineError("--upstream HOST:PORT is required with --listen") }
            upstreamAddress = try HostPort(parsing: upstream, what: "--upstream")
        }
        let forwardingTo = upstreamAddress.map { "\($0)" } ?? "each connection's original destination"
        let (overflow, level) = try validatedCommonOptions()
        var captureConfiguration: CaptureSink.Configuration?
        if let capture {
            var config = CaptureSink.Configuration(path: capture)
            config.recordUpstreamLeg = captureUpstreamLeg
            config.overflow = overflow
            config.queueLimitBytes = try ByteSize.parse(
                captureBuffer, flag: "--capture-buffer", range: ByteSize.captureBuffer)
            config.rotateSizeBytes = try rotateSize.map {
                try ByteSize.parse($0, flag: "--rotate-size", range: ByteSize.rotateSize)
            }
            config.sectionComment = "interpose proxy \(listenAddress) -> \(forwardingTo)"
            captureConfiguration = config
        } else if captureUpstreamLeg || rotateSize != nil {
            throw CommandLineError("--capture-upstream-leg and --rotate-size need --capture FILE")
        }

        let toxics = ToxicSet()
        for text in toxic {
            do {
                try toxics.add(try Toxic(commandLine: text))
            } catch {
                throw CommandLineError(error.description)
            }
        }
        let checks = check ? LiveChecks(forced: try dissection.forced(), portHints: try dissection.portHints()) : nil
        if !check && (dissection.protocolName != "auto" || !dissection.portProtocols.isEmpty) {
            throw CommandLineError("--protocol and --port-protocol choose how --check reads the traffic: add --check")
        }
        var encryptedConfiguration: CaptureSink.Configuration?
        if let path = tls.captureEncrypted {
            var config = CaptureSink.Configuration(path: path)
            config.overflow = overflow
            config.queueLimitBytes = try ByteSize.parse(
                captureBuffer, flag: "--capture-buffer", range: ByteSize.captureBuffer)
            config.sectionComment = "interpose proxy \(listenAddress) -> \(forwardingTo): encrypted legs with TLS keys"
            encryptedConfiguration = config
        }
        let interceptor = try tls.interceptor()
        var logger = Logger(label: "interpose")
        logger.logLevel = level
        var proxy = ProxyServer.Configuration.transparent(listen: listenAddress, mark: mark)
        if let upstreamAddress { proxy = ProxyServer.Configuration(listen: listenAddress, upstream: upstreamAddress) }
        proxy.connectTimeout = .nanoseconds(Int64(saturating: connectTimeout * 1e9))
        proxy.blockOnCaptureOverflow = overflow == .block
        proxy.checks = checks
        proxy.toxics = toxics
        proxy.faultSeed = seed
        proxy.tls = interceptor
        var options = ProxySession.Options(
            proxy: proxy,
            capture: captureConfiguration,
            grace: .nanoseconds(Int64(saturating: grace * 1e9)))
        options.encryptedCapture = encryptedConfiguration
        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        let capturePath = capture
        let summary = try await ProxySession(options: options, logger: logger).run(
            onReady: { address in
                var captureNote = capturePath.map { ", recording to \($0)" } ?? ""
                if let interceptor {
                    captureNote += "; intercepting TLS with the CA in \(interceptor.authority.directory)"
                }
                var stream = StandardError()
                print(
                    "interpose: listening on \(ProxyCommand.describe(address)), forwarding to \(forwardingTo)\(captureNote)",
                    to: &stream)
            },
            until: { await signals.wait() })
        try ProxyCommand.stopped(
            summary: summary.description, failed: summary.hasErrorFindings || summary.captureFailed)
    }

    /// Prints the end of a run (`stopped.` and the summary, each line prefixed) on standard error.
    /// - Throws: `ExitCode(1)` when the run `failed` (an error finding, a failed TLS handshake, a
    ///   capture that could not be written).
    static func stopped(summary: String, failed: Bool) throws {
        var stream = StandardError()
        print("interpose: stopped.", to: &stream)
        for line in summary.split(separator: "\n") {
            print("interpose: \(line)", to: &stream)
        }
        if failed { throw ExitCode(1) }
    }

    /// `IP:PORT` of a bound address, IPv6 in brackets.
    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }

    /// The flags both the single proxy and many proxies use, checked: one line each when wrong.
    func validatedCommonOptions() throws -> (CaptureSink.OverflowPolicy, Logger.Level) {
        guard let overflow = CaptureSink.OverflowPolicy(rawValue: captureOverflow) else {
            throw CommandLineError("--capture-overflow must be drop or block, not '\(captureOverflow)'")
        }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw CommandLineError("--log-level must be one of trace, debug, info, notice, warning, error")
        }
        return (overflow, level)
    }
}
