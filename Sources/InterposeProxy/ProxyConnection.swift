import InterposeCapture
import InterposeChecks
import InterposeCore
import InterposeFaults
import InterposeProtocols
import InterposeTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#endif

/// One proxied connection: its two channels' shared state on their event loop.
///
/// It opens the upstream leg, counts the bytes, turns what the glue handlers see into capture
/// records, decides how the connection ended, and writes the one log line at close.
final class ProxyConnection {
    let id: ConnectionID
    private let client: Endpoint
    private let listener: Endpoint
    /// Where this connection is forwarded: the proxy's upstream, or in transparent mode the
    /// connection's original destination once `clientActive` has read it.
    private var destination: HostPort
    private var destinationAddress: SocketAddress?
    /// The server end of the client leg in the capture and checks: the listener, or in transparent
    /// mode the original destination (what the client believes it talks to).
    private var server: Endpoint
    private let context: ProxyServer.SharedContext
    private let clientChannel: Channel
    private let startedAt: NIODeadline
    private var upstreamLocal: Endpoint?
    private var bytesToServer = 0
    private var bytesToClient = 0
    /// What of `bytesToServer` and `bytesToClient` the shared statistics already have.
    private var reportedToServer = 0
    private var reportedToClient = 0
    private var readsSinceReport = 0
    private var reportedBytes: Int { reportedToServer + reportedToClient }
    private var finished: Set<Direction> = []
    /// The first thing that ended the connection abnormally; later events do not overwrite it.
    private var abnormalEnd: (end: ConnectionEnd, reason: String)?
    private var openChannels = 1
    private var upstreamChannel: Channel?
    private var done = false
    /// The protocol checks of `--check`, fed every frame as it is read.
    private var check: LiveConversationCheck?
    /// The toxics acting on this connection; set up in `start`.
    private(set) var faults: ConnectionFaults!
    private weak var clientGlue: GlueHandler?
    private weak var upstreamGlue: GlueHandler?
    /// TLS interception (`--tls-intercept`): the client's ClientHello, held until the upstream's
    /// TLS is up; then what the upstream chose.
    private var clientHello: TLSClientHelloPeek.Hello?
    private weak var helloPeek: ClientHelloPeekHandler?
    /// The name the client's certificate is issued for: its SNI, else the upstream's host.
    private var interceptedName = ""
    /// Fails the upstream handshake when it takes longer than the connect timeout.
    private var upstreamHandshakeTimeout: Scheduled<Void>?

    init(id: ConnectionID, clientChannel: Channel, context: ProxyServer.SharedContext) {
        self.id = id
        self.clientChannel = clientChannel
        self.context = context
        self.client =
            clientChannel.remoteAddress.flatMap(Endpoint.init(socketAddress:))
            ?? Endpoint(address: IPAddress(v4: 0), port: 0)
        self.listener =
            clientChannel.localAddress.flatMap(Endpoint.init(socketAddress:))
            ?? Endpoint(address: IPAddress(v4: 0), port: 0)
        self.destination = context.upstream
        self.server = listener
        self.startedAt = .now()
    }

    /// Whether reads must wait for the capture queue (`--capture-overflow block` and queue full).
    var captureHoldsReads: Bool {
        context.blockOnCaptureOverflow && (context.sink?.isOverLimit ?? false)
    }

    private var pendingUpstreamGlue: GlueHandler?

    /// Installs the client glue; the rest happens when the client channel becomes active.
    func start(clientGlue: GlueHandler, upstreamGlue: GlueHandler) throws {
        pendingUpstreamGlue = upstreamGlue
        self.clientGlue = clientGlue
        self.upstreamGlue = upstreamGlue
        faults = ConnectionFaults(
            toxics: context.toxics, id: id, seed: context.faultSeed, serverPort: context.upstream.port,
            proxyName: context.name, logger: context.logger, connection: self)
        try clientChannel.pipeline.syncOperations.addHandlers(
            FaultHandler(stream: .downstream, faults: faults), clientGlue)
    }

    /// The accepted channel is active: record the client leg and connect to the upstream.
    func clientActive() {
        guard let glue = pendingUpstreamGlue else { return }
        pendingUpstreamGlue = nil
        guard context.transparent else {
            destinationAddress = context.upstreamAddress
            clientLegOpened(glue: glue)
            return
        }
        OriginalDestination.read(from: clientChannel).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let address):
                self.transparentDestinationRead(address, glue: glue)
            case .failure(let error):
                self.refuse(reason: "refused: \(error)")
            }
        }
    }

    /// Transparent mode: forward to `address`, unless it is the listener itself (a connection made
    /// straight to the proxy, which would loop back into it).
    private func transparentDestinationRead(_ address: SocketAddress, glue: GlueHandler) {
        guard let original = Endpoint(socketAddress: address) else {
            refuse(reason: "refused: the original destination \(address) is not an IP address")
            return
        }
        if original == listener {
            refuse(
                reason: "refused: not redirected (original destination \(original) is the listener itself; "
                    + "forwarding it would loop)")
            return
        }
        destination = HostPort(host: original.address.description, port: original.port)
        destinationAddress = address
        server = original
        context.logger.info("connection \(id) \(client) original destination \(destination)")
        clientLegOpened(glue: glue)
    }

    /// A connection the proxy will not forward: reset it; `finish` logs `reason`.
    private func refuse(reason: String) {
        context.statistics.upstreamFailed()
        endAbnormally(.reset(by: .serverToClient), reason: reason)
        ProxyConnection.reset(clientChannel)
    }

    /// Records the client leg (client -> server) and connects to the destination.
    private func clientLegOpened(glue: GlueHandler) {
        context.sink?.submit(
            .clientConnected(
                id, client: client, listener: server, at: context.clock.now(),
                comment: "interpose connection \(id); listener \(listener); upstream \(destination)"))
        if let checks = context.checks {
            check = LiveConversationCheck(
                connection: ConnectionDescriptor(id: id, client: client, server: server), shared: checks)
        }
        if context.tls != nil {
            awaitClientHello(glue: glue)
        } else {
            connectUpstreamAfterDelay(glue: glue)
        }
    }

    private func connectUpstreamAfterDelay(glue: GlueHandler) {
        if let delay = faults.connectDelay() {
            clientChannel.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                guard !done, clientChannel.isActive else { return }
                connectUpstream(glue: glue)
            }
        } else {
            connectUpstream(glue: glue)
        }
    }

    private func connectUpstream(glue: GlueHandler) {
        let loop = clientChannel.eventLoop
        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(context.connectTimeout)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: ProxyServer.receiveAllocator)
        if let mark = context.upstreamMark {
            bootstrap = bootstrap.channelOption(UpstreamMark.option, value: SocketOptionValue(mark))
        }
        // Resolved when the proxy started (`ProxyServer.start`), or read from the accepted socket.
        guard let address = destinationAddress else {
            upstreamFailed(ProxyError.cannotResolveUpstream(destination, reason: "not resolved"))
            return
        }
        let future = bootstrap.connect(to: address)
        future.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                self.upstreamConnected(channel, glue: glue)
            case .failure(let error):
                self.upstreamFailed(error)
            }
        }
    }

    private func upstreamConnected(_ channel: Channel, glue: GlueHandler) {
        openChannels += 1
        upstreamChannel = channel
        let local = channel.localAddress.flatMap(Endpoint.init(socketAddress:))
        let remote = channel.remoteAddress.flatMap(Endpoint.init(socketAddress:))
        upstreamLocal = local
        if let local, let remote, !done {
            context.sink?.submit(.upstreamConnected(id, local: local, upstream: remote, at: context.clock.now()))
        }
        if done || !clientChannel.isActive {
            // The client went away while we were connecting.
            ProxyConnection.reset(channel)
            return
        }
        if context.tls != nil {
            startUpstreamTLS(on: channel, local: local, remote: remote, glue: glue)
            return
        }
        addUpstreamGlue(glue, to: channel)
    }

    private func addUpstreamGlue(_ glue: GlueHandler, to channel: Channel) {
        // Added once connected (this callback runs in the same event-loop tick as the connect, before
        // any read): its handlerAdded lets the client side start reading.
        do {
            try channel.pipeline.syncOperations.addHandlers(FaultHandler(stream: .upstream, faults: faults), glue)
        } catch {
            endAbnormally(.reset(by: .serverToClient), reason: "cannot set up the upstream channel: \(error)")
            ProxyConnection.reset(channel)
            ProxyConnection.reset(clientChannel)
        }
    }

    // MARK: TLS interception

    /// Holds the client's first bytes until its ClientHello is complete.
    private func awaitClientHello(glue: GlueHandler) {
        let peek = ClientHelloPeekHandler { [self] outcome in
            switch outcome {
            case .hello(let hello):
                clientHello = hello
                connectUpstreamAfterDelay(glue: glue)
            case .notTLS(let reason):
                context.statistics.tlsFailed(upstream: false)
                report(
                    [
                        Finding(
                            code: .tlsClientNotTLS, connection: id,
                            message: "the client did not start TLS on an intercepting listener: \(reason)")
                    ],
                    on: .clientToServer)
                refuse(reason: "refused: \(reason)")
            case .closed:
                endAbnormally(.reset(by: .clientToServer), reason: "client closed before completing its ClientHello")
            }
        }
        helloPeek = peek
        do {
            var handlers: [ChannelHandler] = [SocketResetHandler()]
            if let sink = context.encryptedSink {
                handlers.append(
                    EncryptedTapHandler(
                        sink: sink, clock: context.clock,
                        leg: .init(id: encryptedLegID(upstream: false), connection: id, readDirection: .clientToServer))
                )
                sink.submit(
                    .clientConnected(
                        encryptedLegID(upstream: false), client: client, listener: server, at: context.clock.now(),
                        comment: "interpose connection \(id), client leg (encrypted); listener \(listener)"))
            }
            handlers.append(peek)
            try clientChannel.pipeline.syncOperations.addHandlers(handlers, position: .first)
        } catch {
            refuse(reason: "cannot set up TLS interception: \(error)")
        }
    }

    /// The ids of the two legs in the encrypted capture: 2n for the client leg, 2n+1 upstream.
    private func encryptedLegID(upstream: Bool) -> ConnectionID {
        ConnectionID(id.rawValue &* 2 &+ (upstream ? 1 : 0))
    }

    /// Opens TLS to the upstream with the client's server name and ALPN offer.
    private func startUpstreamTLS(on channel: Channel, local: Endpoint?, remote: Endpoint?, glue: GlueHandler) {
        guard let tls = context.tls, let hello = clientHello else { return }
        // Verified against the name the client asked for; without SNI, the upstream's own host.
        let upstreamHost = destination.host
        interceptedName = hello.serverName ?? upstreamHost
        pendingUpstreamGlue = glue
        // Until the handshake completes the upstream channel has no glue to report its close.
        channel.closeFuture.assumeIsolated().whenComplete { [self] _ in
            guard pendingUpstreamGlue != nil else { return }
            pendingUpstreamGlue = nil
            channelClosed(.upstream)
        }
        do {
            let handler = try tls.upstream.handler(host: interceptedName, applicationProtocols: hello.protocols)
            var handlers: [ChannelHandler] = [SocketResetHandler()]
            if let sink = context.encryptedSink, let local, let remote {
                let legID = encryptedLegID(upstream: true)
                sink.submit(
                    .clientConnected(
                        legID, client: local, listener: remote, at: context.clock.now(),
                        comment: "interpose connection \(id), upstream leg (encrypted)"))
                handlers.append(
                    EncryptedTapHandler(
                        sink: sink, clock: context.clock,
                        leg: .init(id: legID, connection: id, readDirection: .serverToClient)))
            }
            handlers += [handler, handshakeObserver(on: .upstream)]
            try KeyLogAttribution.with(id) {
                try channel.pipeline.syncOperations.addHandlers(handlers)
            }
        } catch {
            tlsHandshakeFailed(on: .upstream, error: error)
            return
        }
        // An upstream that accepts TCP but never finishes its handshake is given the connect timeout.
        // Cancelled when the handshake ends, so a finished connection is not held until then.
        let timeout = context.connectTimeout
        upstreamHandshakeTimeout = channel.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            guard pendingUpstreamGlue != nil, !done, channel.isActive else { return }
            tlsHandshakeFailed(
                on: .upstream, error: TLSHandshakeTimeout(milliseconds: timeout.nanoseconds / 1_000_000))
        }
    }

    private func cancelUpstreamHandshakeTimeout() {
        upstreamHandshakeTimeout?.cancel()
        upstreamHandshakeTimeout = nil
    }

    /// The upstream's TLS handshake did not finish within the connect timeout.
    struct TLSHandshakeTimeout: Error, CustomStringConvertible {
        var milliseconds: Int64
        var description: String { "the handshake did not finish within \(milliseconds) ms" }
    }

    /// A TLS handshake finished: the upstream's first, then the client's.
    func tlsHandshakeCompleted(on side: ProxySide, applicationProtocol: String?) {
        if side == .upstream { cancelUpstreamHandshakeTimeout() }
        guard !done else { return }
        switch side {
        case .upstream:
            guard let tls = context.tls, let channel = upstreamChannel, let glue = pendingUpstreamGlue else { return }
            guard clientChannel.isActive else {
                // The client left during the upstream handshake; its close already ended its side.
                ProxyConnection.reset(channel)
                return
            }
            pendingUpstreamGlue = nil
            addUpstreamGlue(glue, to: channel)
            let offered = clientHello?.protocols ?? []
            context.sink?.submit(
                .note(
                    id, .clientToServer,
                    "interpose tls: intercepted \(interceptedName); client offered ALPN [\(offered.joined(separator: ", "))], "
                        + "upstream chose \(applicationProtocol ?? "none")"))
            do {
                let sslContext = try tls.clientContext(
                    serverName: interceptedName, applicationProtocol: applicationProtocol)
                let server = NIOSSLServerHandler(context: sslContext)
                let observer = handshakeObserver(on: .client)
                guard let peek = helloPeek else { return }
                try clientChannel.pipeline.syncOperations.addHandlers([server, observer], position: .after(peek))
                KeyLogAttribution.with(id) { peek.release() }
            } catch {
                tlsHandshakeFailed(on: .client, error: error)
            }
        case .client:
            context.statistics.tlsIntercepted()
            context.logger.info(
                "connection \(id) tls intercepted \(interceptedName) (ALPN \(applicationProtocol ?? "none"))")
        }
    }

    /// A TLS handshake failed: the upstream's certificate was refused (or its TLS failed), or the
    /// client refused ours. Reported as a finding; the connection is reset, never carried on in
    /// plaintext.
    func tlsHandshakeFailed(on side: ProxySide, error: Error) {
        if side == .upstream { cancelUpstreamHandshakeTimeout() }
        guard !done else { return }
        let reason = ProxyConnection.describeTLS(error)
        let finding: Finding
        switch side {
        case .upstream:
            context.statistics.tlsFailed(upstream: true)
            finding = Finding(
                code: .tlsUpstreamHandshakeFailed, connection: id,
                message: "TLS to the upstream \(destination) as \(interceptedName) failed: \(reason)",
                detail: upstreamVerificationHint)
        case .client:
            context.statistics.tlsFailed(upstream: false)
            finding = Finding(
                code: .tlsClientRefusedInterception, connection: id,
                message: "the client's TLS handshake for \(interceptedName) failed: \(reason)",
                detail: "a client must trust the CA that `interpose ca print` shows")
        }
        report([finding], on: .serverToClient)
        endAbnormally(
            .reset(by: .serverToClient),
            reason: "tls \(side == .client ? "client" : "upstream") handshake failed: \(reason)")
        ProxyConnection.reset(clientChannel)
        if let upstreamChannel { ProxyConnection.reset(upstreamChannel) }
    }

    /// What to try after a failed upstream handshake, given how the upstream was checked.
    private var upstreamVerificationHint: String? {
        switch context.tls?.upstreamVerification {
        case .system:
            return "checked against the system trust store: pass --upstream-ca FILE to trust its CA, "
                + "or --insecure-upstream to skip the check"
        case .certificateAuthorities(let path):
            return "checked against --upstream-ca \(path): is the upstream's certificate signed by it, "
                + "and issued for \(interceptedName)?"
        case .insecure, nil:
            return nil
        }
    }

    /// The TLS library's words for a failed handshake, put as what a user can act on.
    static func describeTLS(_ error: Error) -> String {
        if error is IOError || error is ChannelError { return describe(error) }
        return TLSFailureDescription.describe(error)
    }

    /// Reports the handshake on `side` to this connection.
    private func handshakeObserver(on side: ProxySide) -> TLSHandshakeObserver {
        TLSHandshakeObserver(
            onCompleted: { [self] in tlsHandshakeCompleted(on: side, applicationProtocol: $0) },
            onFailed: { [self] in tlsHandshakeFailed(on: side, error: $0) })
    }

    private func upstreamFailed(_ error: Error) {
        let reason = "upstream \(destination) failed: \(ProxyConnection.describe(error))"
        context.statistics.upstreamFailed()
        endAbnormally(.reset(by: .serverToClient), reason: reason)
        ProxyConnection.reset(clientChannel)
    }

    // MARK: Events from the glue handlers

    func didRead(_ buffer: ByteBuffer, from side: ProxySide) {
        let direction = side.readDirection
        if direction == .clientToServer {
            bytesToServer += buffer.readableBytes
        } else {
            bytesToClient += buffer.readableBytes
        }
        // The shared statistics (and /metrics) see the bytes while the connection runs, in batches:
        // one lock every 64 reads or 64 KiB rather than one per read.
        readsSinceReport += 1
        if readsSinceReport >= 64 || bytesToServer + bytesToClient - reportedBytes >= 65_536 {
            reportBytes()
        }
        // With toxics, each direction is recorded as it leaves them (`recordDelivered`).
        guard !faults.isEngaged else { return }
        record(buffer, on: direction)
    }

    private func reportBytes() {
        context.statistics.add(
            bytesToServer: bytesToServer - reportedToServer, bytesToClient: bytesToClient - reportedToClient)
        reportedToServer = bytesToServer
        reportedToClient = bytesToClient
        readsSinceReport = 0
    }

    private func record(_ buffer: ByteBuffer, on direction: Direction) {
        let now = context.clock.now()
        if check != nil {
            report(
                check!.consume(Frame(connection: id, direction: direction, timestamp: now, event: .data(buffer))),
                on: direction)
        }
        context.sink?.submit(.data(id, direction, buffer, at: now))
    }

    // MARK: Events from the faults

    /// The event loop of both channels.
    var eventLoop: EventLoop { clientChannel.eventLoop }

    /// The capture clock now.
    var clockNow: Timestamp { context.clock.now() }

    /// Bytes leaving the faults towards their destination (or a request the proxy answered itself).
    func recordDelivered(_ buffer: ByteBuffer, on direction: Direction) {
        guard !done else { return }
        record(buffer, on: direction)
    }

    /// The end of stream leaving the faults (slow_close: later than it was read).
    func recordEnd(on direction: Direction) {
        guard !done, abnormalEnd == nil else { return }
        context.sink?.submit(.finish(id, direction, at: context.clock.now()))
    }

    /// A fault fired: a comment on the next frame recorded in `direction`.
    func recordNote(_ text: String, on direction: Direction) {
        guard !done else { return }
        context.sink?.submit(.note(id, direction, text))
    }

    /// Whether reading the side that feeds `side` must wait: the faults hold too much for it.
    func faultsHoldReads(towards side: ProxySide) -> Bool {
        faults.holdsReads(for: side == .client ? .downstream : .upstream)
    }

    /// The faults let held bytes go: the side feeding `stream` may be read again.
    func faultsReleased(_ stream: Toxic.Stream) {
        (stream == .downstream ? clientGlue : upstreamGlue)?.faultsReleased()
    }

    /// A toxic closes the connection (timeout, limit_data, drop_after_requests): FIN both ways.
    func closeForFault(_ reason: String) {
        endAbnormally(.reset(by: .serverToClient), reason: "interpose fault \(reason)")
        clientGlue?.closeForFault()
        upstreamGlue?.closeForFault()
        if upstreamGlue == nil, let upstreamChannel { upstreamChannel.close(promise: nil) }
    }

    /// A toxic resets the connection (reset_peer): RST both ways.
    func resetForFault(_ reason: String) {
        endAbnormally(.reset(by: .serverToClient), reason: "interpose fault \(reason)")
        ProxyConnection.reset(clientChannel)
        if let upstreamChannel { ProxyConnection.reset(upstreamChannel) }
    }

    /// Logs findings as they happen and writes them into the capture as a comment on the packet
    /// about to be recorded in `direction` (the frame where they were found).
    private func report(_ findings: [Finding], on direction: Direction) {
        guard !findings.isEmpty else { return }
        context.checks?.count(findings)
        for finding in findings {
            let level: Logger.Level =
                finding.severity == .error ? .error : finding.severity == .warning ? .warning : .info
            context.logger.log(level: level, "connection \(id) finding \(finding)")
            context.sink?.submit(.note(id, direction, "interpose check: \(finding)"))
        }
    }

    func didFinish(from side: ProxySide) {
        let direction = side.readDirection
        guard !finished.contains(direction), abnormalEnd == nil else { return }
        finished.insert(direction)
        guard !faults.isEngaged else { return }  // recorded as it leaves the faults
        let now = context.clock.now()
        if check != nil {
            report(
                check!.consume(Frame(connection: id, direction: direction, timestamp: now, event: .finish)),
                on: direction)
        }
        context.sink?.submit(.finish(id, direction, at: now))
    }

    func didFail(from side: ProxySide, error: Error) {
        let who = side == .client ? "client" : "upstream"
        if ProxyConnection.isReset(error) {
            endAbnormally(.reset(by: side.readDirection), reason: "\(who) reset the connection")
        } else {
            endAbnormally(.reset(by: side.readDirection), reason: "\(who) error: \(ProxyConnection.describe(error))")
        }
    }

    func didAbort(from side: ProxySide) {
        let who = side == .client ? "client" : "upstream"
        endAbnormally(.reset(by: side.readDirection), reason: "\(who) connection closed without FIN")
    }

    /// Ends the connection from the proxy's side (shutdown after the grace period).
    func abort(reason: String) {
        endAbnormally(.reset(by: .serverToClient), reason: reason)
        ProxyConnection.reset(clientChannel)
        if let upstreamChannel { ProxyConnection.reset(upstreamChannel) }
    }

    private func endAbnormally(_ end: ConnectionEnd, reason: String) {
        if abnormalEnd == nil && !done { abnormalEnd = (end, reason) }
    }

    func channelClosed(_ side: ProxySide) {
        openChannels -= 1
        guard openChannels <= 0, !done else { return }
        if side == .client && upstreamChannel == nil && abnormalEnd == nil {
            // The client left before the upstream connection was made.
            endAbnormally(.reset(by: .clientToServer), reason: "client closed before the upstream connected")
        }
        finish()
    }

    private func finish() {
        done = true
        let end: ConnectionEnd
        let reason: String
        if let abnormalEnd {
            (end, reason) = abnormalEnd
        } else if finished.count == 2 {
            end = .graceful
            reason = "client and upstream closed (FIN both ways)"
        } else {
            end = .reset(by: .serverToClient)
            reason = "closed with one direction still open"
        }
        let seconds = Double((NIODeadline.now() - startedAt).nanoseconds) / 1e9
        let summary =
            "\(reason); \(bytesToServer) B client->server, \(bytesToClient) B server->client; "
            + "\(String(format3: seconds)) s"
        let now = context.clock.now()
        if check != nil {
            var resetBy: Direction?
            if case .reset(let by) = end { resetBy = by }
            var findings = check!.consume(
                Frame(
                    connection: id, direction: resetBy ?? .clientToServer, timestamp: now,
                    event: resetBy == nil ? .close : .reset))
            findings += check!.close(resetBy: resetBy)
            report(findings, on: resetBy ?? .serverToClient)
            check = nil
        }
        context.sink?.submit(.closed(id, end, at: now, comment: "closed: " + summary))
        context.statistics.connectionClosed(
            bytesToServer: bytesToServer - reportedToServer, bytesToClient: bytesToClient - reportedToClient,
            graceful: end == .graceful)
        // A refused transparent connection has no destination yet.
        let forwardedTo = context.transparent && destinationAddress == nil ? "(not forwarded)" : "\(destination)"
        context.logger.info(
            "connection \(id) \(client) -> \(listener) -> \(upstreamLocal.map { "\($0) -> " } ?? "")\(forwardedTo) closed: \(summary)"
        )
        context.connectionEnded(id)
    }

    // MARK: Helpers

    /// Closes a channel with RST (SO_LINGER 0) instead of FIN.
    static func reset(_ channel: Channel) {
        guard channel.isActive else {
            channel.close(promise: nil)
            return
        }
        if let provider = channel as? SocketOptionProvider {
            _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        }
        // With TLS in the pipeline, close below it: a reset sends no close_notify and waits for none.
        if channel.eventLoop.inEventLoop,
            let head = try? channel.pipeline.syncOperations.handler(type: SocketResetHandler.self),
            head.closeSocket()
        {
            return
        }
        channel.close(promise: nil)
    }

    static func isReset(_ error: Error) -> Bool {
        if let io = error as? IOError {
            return io.errnoCode == ECONNRESET || io.errnoCode == EPIPE
        }
        return false
    }

    static func describe(_ error: Error) -> String {
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        if let connect = error as? NIOConnectionError {
            if let first = connect.connectionErrors.first {
                return describe(first.error)
            }
            if connect.dnsAAAAError != nil || connect.dnsAError != nil {
                return "cannot resolve \(connect.host)"
            }
            return "no address for \(connect.host)"
        }
        if let channelError = error as? ChannelError, case .connectTimeout(let t) = channelError {
            return "connect timed out after \(t.nanoseconds / 1_000_000) ms"
        }
        return "\(error)"
    }
}

@available(*, unavailable)
extension ProxyConnection: Sendable {}

extension String {
    /// A number with three decimals, without Foundation.
    init(format3 value: Double) {
        let millis = Int((value * 1000).rounded())
        let frac = millis % 1000
        self = "\(millis / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
    }
}
