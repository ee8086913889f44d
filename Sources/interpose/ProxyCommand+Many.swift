import ArgumentParser
import InterposeCapture
import InterposeControl
import InterposeCore
import InterposeProxy
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

extension ProxyCommand {
    /// `--control`, `--config`, `--capture-dir`: many named proxies in one process, changed at
    /// run time through the control API.
    func runMany() async throws {
        let file = try config.map { path throws(ConfigFileError) in try ConfigFile.load(path: path) }
        let (overflow, level) = try validatedCommonOptions()
        var template = CaptureSink.Configuration(path: "")
        template.recordUpstreamLeg = captureUpstreamLeg
        template.overflow = overflow
        template.queueLimitBytes = try ByteSize.parse(
            captureBuffer, flag: "--capture-buffer", range: ByteSize.captureBuffer)
        template.rotateSizeBytes = try rotateSize.map {
            try ByteSize.parse($0, flag: "--rotate-size", range: ByteSize.rotateSize)
        }

        var endpoint = file?.control
        if let control {
            endpoint = ControlEndpoint(address: try HostPort(parsing: control, what: "--control"), token: controlToken)
        } else if let controlToken {
            guard endpoint != nil else { throw CommandLineError("--control-token needs --control HOST:PORT") }
            endpoint?.token = controlToken
        }

        var proxies = file?.proxies ?? []
        let forced = try dissection.forced()
        let hints = try dissection.portHints()
        if check {
            for index in proxies.indices where !proxies[index].checks {
                proxies[index].checks = true
                proxies[index].protocolHint = forced
                proxies[index].portProtocols = hints
            }
        }
        switch (listen, upstream) {
        case (let listen?, let upstream?):
            guard !proxies.contains(where: { $0.name == "default" }) else {
                throw CommandLineError("--listen/--upstream make a proxy named 'default', and --config has one")
            }
            proxies.append(
                ProxySpec(
                    name: "default", listen: try HostPort(parsing: listen, what: "--listen"),
                    upstream: try HostPort(parsing: upstream, what: "--upstream"), capture: capture, checks: check,
                    protocolHint: forced, portProtocols: hints))
        case (nil, nil):
            if capture != nil {
                throw CommandLineError(
                    "--capture FILE records the --listen proxy: add --listen and --upstream, or use --capture-dir")
            }
        case (nil, _?):
            throw CommandLineError("--listen HOST:PORT is required with --upstream")
        case (_?, nil):
            throw CommandLineError("--upstream HOST:PORT is required with --listen")
        }
        if endpoint == nil && proxies.isEmpty {
            throw CommandLineError(
                "nothing to run: give --listen and --upstream, --control HOST:PORT, or a --config with proxies")
        }

        var logger = Logger(label: "interpose")
        logger.logLevel = level
        let settings = ProxyRegistry.Settings(
            captureDirectory: captureDir ?? file?.captureDirectory, captureTemplate: template,
            connectTimeout: .nanoseconds(Int64(saturating: connectTimeout * 1e9)), faultSeed: file?.seed)
        let options = ControlSession.Options(
            control: endpoint, settings: settings, proxies: proxies, grace: .nanoseconds(Int64(saturating: grace * 1e9))
        )
        let signals = SignalWaiter(signals: [SIGINT, SIGTERM])
        let summary = try await ControlSession(options: options, logger: logger).run(
            onReady: { ready in
                var stream = StandardError()
                for proxy in ready.proxies {
                    let state = proxy.enabled ? "listening on \(proxy.listen)" : "disabled (\(proxy.listen))"
                    print("interpose: proxy \(proxy.name) \(state), forwarding to \(proxy.upstream)", to: &stream)
                }
                if let address = ready.control {
                    print("interpose: control API on http://\(ProxyCommand.describe(address))", to: &stream)
                }
            },
            until: { await signals.wait() })
        try ProxyCommand.stopped(
            summary: summary.description, failed: summary.hasErrorFindings || summary.captureFailed)
    }
}
