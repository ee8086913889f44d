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

/// One proxied connection: the shell around its `ProxyConnectionStateMachine`, on its two channels'
/// event loop.
///
/// It feeds the state machine what the glue handlers, the TLS handlers and the faults report, and
/// performs the actions it returns on the channels, the capture, the checks, the statistics and the
/// log: opening the upstream leg, installing TLS interception, recording, and the one log line at close.
final class ProxyConnection {
    typealias StateMachine = ProxyConnectionStateMachine<ContinuousClock>

    let id: ConnectionID
    private let client: Endpoint
    private let listener: Endpoint
    private let context: ProxyServer.SharedContext
    private let clientChannel: Channel
    private var state: StateMachine
    private var upstreamLocal: Endpoint?
    private var upstreamChannel: Channel?
    /// The protocol checks of `--check`, fed every frame as it is read.
    private var check: LiveConversationCheck?
    /// The toxics acting on this connection; set up in `start`.
    private(set) var faults: ConnectionFaults!
    private weak var clientGlue: GlueHandler?
    private weak var upstreamGlue: GlueHandler?
    /// The upstream glue until it is added to the upstream channel.
    private var pendingUpstreamGlue: GlueHandler?
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
        self.state = StateMachine(
            configuration: .init(
                upstream: context.upstream, upstreamAddress: context.upstreamAddress, listener: listener,
                transparent: context.transparent, intercepting: context.tls != nil,
                connectTimeout: Duration.nanoseconds(context.connectTimeout.nanoseconds)),
            clock: ContinuousClock())
    }

    /// Whether reads must wait for the capture queue (`--capture-overflow block` and queue full); if
    /// so, `side`'s glue is woken when the capture's writer brought the queue below its limit.
    func holdsReadsForCapture(waking side: ProxySide) -> Bool {
        guard context.blockOnCaptureOverflow, let sink = context.sink, sink.isOverLimit else { return false }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        return sink.whenBelowLimit {
            bound.eventLoop.execute {
                let connection = bound.value
                (side == .client ? connection.clientGlue : connection.upstreamGlue)?.captureDrained()
            }
        }
    }

    /// Installs the client glue; the rest happens when the client channel becomes active.
    func start(clientGlue: GlueHandler, upstreamGlue: GlueHandler) throws {
        pendingUpstreamGlue = upstreamGlue
        self.clientGlue = clientGlue
        self.upstreamGlue = upstreamGlue
        faults = ConnectionFaults(
            toxics: context.toxics, id: id, seed: context.faultSeed, serverPort: context.upstream.port,
            proxyName: context.name, logger: context.logger, connection: self)
        try clientChannel.pipeline.syncOperations.addHandlers(
            plaintextTap(on: .client) + [FaultHandler(stream: .downstream, faults: faults), clientGlue])
    }

    /// The plaintext capture's tap for `side`'s channel, in front of its `FaultHandler`: none when
    /// nothing is recorded or checked.
    private func plaintextTap(on side: ProxySide) -> [ChannelHandler] {
        guard context.sink != nil || context.checks != nil else { return [] }
        return [
            CaptureTapHandler(settings: .init(readDirection: side.readDirection, clock: context.clock), recorder: self)
        ]
    }

    /// The accepted channel is active: record the client leg and connect to the upstream.
    func clientActive() {
        perform(state.clientActive())
    }

    // MARK: Performing the state machine's actions

    private func perform(_ actions: [StateMachine.Action]) {
        for action in actions { perform(action) }
    }

    private func perform(_ action: StateMachine.Action) {
        switch action {
        case .readOriginalDestination:
            OriginalDestination.read(from: clientChannel).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let address):
                    self.perform(
                        self.state.originalDestinationRead(Endpoint(socketAddress: address), address: address))
                case .failure(let error):
                    self.perform(self.state.originalDestinationUnreadable(error))
                }
            }
        case .logOriginalDestination:
            context.logger.info("connection \(id) \(client) original destination \(state.destination)")
        case .recordClientLeg:
            recordClientLeg()
        case .awaitClientHello:
            awaitClientHello()
        case .connect:
            connectUpstreamAfterDelay()
        case .recordUpstreamLeg:
            let remote = upstreamChannel?.remoteAddress.flatMap(Endpoint.init(socketAddress:))
            if let local = upstreamLocal, let remote {
                context.sink?.submit(.upstreamConnected(id, local: local, upstream: remote, at: context.clock.now()))
            }
        case .addUpstreamGlue:
            addUpstreamGlue()
        case .startUpstreamTLS(let deadline):
            startUpstreamTLS(timeoutAt: deadline)
        case .cancelUpstreamHandshakeTimeout:
            upstreamHandshakeTimeout?.cancel()
            upstreamHandshakeTimeout = nil
        case .noteInterception(let applicationProtocol):
            let offered = clientHello?.protocols ?? []
            context.sink?.submit(
                .note(
                    id, .clientToServer,
                    "interpose tls: intercepted \(interceptedName); client offered ALPN [\(offered.joined(separator: ", "))], "
                        + "upstream chose \(applicationProtocol ?? "none")"))
        case .startClientTLS(let applicationProtocol):
            startClientTLS(applicationProtocol: applicationProtocol)
        case .interceptionCompleted(let applicationProtocol):
            context.statistics.tlsIntercepted()
            context.logger.info(
                "connection \(id) tls intercepted \(interceptedName) (ALPN \(applicationProtocol ?? "none"))")
        case .countUpstreamFailure:
            context.statistics.upstreamFailed()
        case .countTLSFailure(let upstream):
            context.statistics.tlsFailed(upstream: upstream)
        case .reportClientNotTLS(let reason):
            report(
                [
                    Finding(
                        code: .tlsClientNotTLS, connection: id,
                        message: "the client did not start TLS on an intercepting listener: \(reason)")
                ],
                on: .clientToServer)
        case .reportTLSHandshakeFailure(let side, let reason):
            report([tlsFailureFinding(on: side, reason: reason)], on: .serverToClient)
        case .reset(let side):
            if side == .client {
                ProxyConnection.reset(clientChannel)
            } else if let upstreamChannel {
                ProxyConnection.reset(upstreamChannel)
            }
        case .closeForFault:
            clientGlue?.closeForFault()
            upstreamGlue?.closeForFault()
            if upstreamGlue == nil, let upstreamChannel { upstreamChannel.close(promise: nil) }
        case .finish(let summary):
            finish(summary)
        }
    }

    /// Records the client leg (client -> server) and sets up the checks.
    private func recordClientLeg() {
        context.sink?.submit(
            .clientConnected(
                id, client: client, listener: state.server, at: context.clock.now(),
                comment: "interpose connection \(id); listener \(listener); upstream \(state.destination)"))
        if let checks = context.checks {
            check = LiveConversationCheck(
                connection: ConnectionDescriptor(id: id, client: client, server: state.server), shared: checks)
        }
    }

    private func connectUpstreamAfterDelay() {
        if let delay = faults.connectDelay() {
            clientChannel.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                guard state.connectDelayElapsed(clientActive: clientChannel.isActive) else { return }
                connectUpstream()
            }
        } else {
            connectUpstream()
        }
    }

    private func connectUpstream() {
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
        guard let address = state.destinationAddress else {
            perform(
                state.upstreamConnectFailed(
                    ProxyError.cannotResolveUpstream(state.destination, reason: "not resolved")))
            return
        }
        let future = bootstrap.connect(to: address)
        future.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                self.upstreamChannel = channel
                self.upstreamLocal = channel.localAddress.flatMap(Endpoint.init(socketAddress:))
                self.perform(self.state.upstreamConnected(clientActive: self.clientChannel.isActive))
            case .failure(let error):
                self.perform(self.state.upstreamConnectFailed(error))
            }
        }
    }

    private func addUpstreamGlue() {
        guard let channel = upstreamChannel, let glue = pendingUpstreamGlue else { return }
        pendingUpstreamGlue = nil
        // Added once connected (this callback runs in the same event-loop tick as the connect, before
        // any read): its handlerAdded lets the client side start reading.
        do {
            try channel.pipeline.syncOperations.addHandlers(
                plaintextTap(on: .upstream) + [FaultHandler(stream: .upstream, faults: faults), glue])
        } catch {
            perform(state.upstreamSetupFailed(error))
        }
    }

    // MARK: TLS interception

    /// Holds the client's first bytes until its ClientHello is complete.
    private func awaitClientHello() {
        let peek = ClientHelloPeekHandler { [self] outcome in
            switch outcome {
            case .hello(let hello):
                clientHello = hello
                perform(state.clientHelloReceived())
            case .notTLS(let reason):
                perform(state.clientNotTLS(reason: reason))
            case .closed:
                state.clientClosedBeforeHello()
            }
        }
        helloPeek = peek
        do {
            var handlers: [ChannelHandler] = [SocketResetHandler()]
            if let sink = context.encryptedSink {
                let leg = EncryptedLegRecorder.Leg(
                    id: encryptedLegID(upstream: false), connection: id, readDirection: .clientToServer)
                handlers.append(EncryptedLegRecorder(sink: sink, leg: leg).tap(clock: context.clock))
                sink.submit(
                    .clientConnected(
                        encryptedLegID(upstream: false), client: client, listener: state.server,
                        at: context.clock.now(),
                        comment: "interpose connection \(id), client leg (encrypted); listener \(listener)"))
            }
            handlers.append(peek)
            try clientChannel.pipeline.syncOperations.addHandlers(handlers, position: .first)
        } catch {
            perform(state.interceptionSetupFailed(error))
        }
    }

    /// The ids of the two legs in the encrypted capture: 2n for the client leg, 2n+1 upstream.
    private func encryptedLegID(upstream: Bool) -> ConnectionID {
        ConnectionID(id.rawValue &* 2 &+ (upstream ? 1 : 0))
    }

    /// Opens TLS to the upstream with the client's server name and ALPN offer.
    private func startUpstreamTLS(timeoutAt deadline: ContinuousClock.Instant) {
        guard let tls = context.tls, let hello = clientHello, let channel = upstreamChannel else { return }
        // Verified against the name the client asked for; without SNI, the upstream's own host.
        interceptedName = hello.serverName ?? state.destination.host
        // Until the handshake completes the upstream channel has no glue to report its close.
        channel.closeFuture.assumeIsolated().whenComplete { [self] _ in
            perform(state.upstreamClosedBeforeForwarding())
        }
        do {
            let handler = try tls.upstream.handler(host: interceptedName, applicationProtocols: hello.protocols)
            var handlers: [ChannelHandler] = [SocketResetHandler()]
            let remote = channel.remoteAddress.flatMap(Endpoint.init(socketAddress:))
            if let sink = context.encryptedSink, let local = upstreamLocal, let remote {
                let legID = encryptedLegID(upstream: true)
                sink.submit(
                    .clientConnected(
                        legID, client: local, listener: remote, at: context.clock.now(),
                        comment: "interpose connection \(id), upstream leg (encrypted)"))
                let leg = EncryptedLegRecorder.Leg(id: legID, connection: id, readDirection: .serverToClient)
                handlers.append(EncryptedLegRecorder(sink: sink, leg: leg).tap(clock: context.clock))
            }
            handlers += [handler, handshakeObserver(on: .upstream)]
            try KeyLogAttribution.with(id) {
                try channel.pipeline.syncOperations.addHandlers(handlers)
            }
        } catch {
            perform(state.tlsHandshakeFailed(on: .upstream, error: error))
            return
        }
        // An upstream that accepts TCP but never finishes its handshake is given the connect timeout.
        // Cancelled when the handshake ends, so a finished connection is not held until then.
        let delay = TimeAmount(ContinuousClock.now.duration(to: deadline))
        upstreamHandshakeTimeout = channel.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            perform(state.upstreamHandshakeTimedOut(upstreamActive: channel.isActive))
        }
    }

    /// The upstream is up: the client's handshake, with a certificate for the intercepted name.
    private func startClientTLS(applicationProtocol: String?) {
        guard let tls = context.tls else { return }
        do {
            let sslContext = try tls.clientContext(
                serverName: interceptedName, applicationProtocol: applicationProtocol)
            let server = NIOSSLServerHandler(context: sslContext)
            let observer = handshakeObserver(on: .client)
            guard let peek = helloPeek else { return }
            try clientChannel.pipeline.syncOperations.addHandlers([server, observer], position: .after(peek))
            KeyLogAttribution.with(id) { peek.release() }
        } catch {
            perform(state.tlsHandshakeFailed(on: .client, error: error))
        }
    }

    /// A TLS handshake finished: the upstream's first, then the client's.
    func tlsHandshakeCompleted(on side: ProxySide, applicationProtocol: String?) {
        perform(
            state.tlsHandshakeCompleted(
                on: side, applicationProtocol: applicationProtocol, clientActive: clientChannel.isActive))
    }

    /// A TLS handshake failed: the upstream's certificate was refused (or its TLS failed), or the
    /// client refused ours. Reported as a finding; the connection is reset, never carried on in
    /// plaintext.
    func tlsHandshakeFailed(on side: ProxySide, error: Error) {
        perform(state.tlsHandshakeFailed(on: side, error: error))
    }

    /// The finding for a failed handshake on `side`.
    private func tlsFailureFinding(on side: ProxySide, reason: String) -> Finding {
        switch side {
        case .upstream:
            return Finding(
                code: .tlsUpstreamHandshakeFailed, connection: id,
                message: "TLS to the upstream \(state.destination) as \(interceptedName) failed: \(reason)",
                detail: upstreamVerificationHint)
        case .client:
            return Finding(
                code: .tlsClientRefusedInterception, connection: id,
                message: "the client's TLS handshake for \(interceptedName) failed: \(reason)",
                detail: "a client must trust the CA that `interpose ca print` shows")
        }
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

    /// Reports the handshake on `side` to this connection.
    private func handshakeObserver(on side: ProxySide) -> TLSHandshakeObserver {
        TLSHandshakeObserver(
            onCompleted: { [self] in tlsHandshakeCompleted(on: side, applicationProtocol: $0) },
            onFailed: { [self] in tlsHandshakeFailed(on: side, error: $0) })
    }

    // MARK: Events from the glue handlers

    func didRead(_ buffer: ByteBuffer, from side: ProxySide) {
        if let bytes = state.read(buffer.readableBytes, from: side) {
            context.statistics.add(bytesToServer: bytes.toServer, bytesToClient: bytes.toClient)
        }
    }

    private func record(_ buffer: ByteBuffer, on direction: Direction, at now: Timestamp) {
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

    /// A request the faults answered themselves: the client did send it, though the upstream never
    /// saw it (what leaves the faults is recorded by the plaintext tap).
    func recordAnswered(_ buffer: ByteBuffer, on direction: Direction) {
        guard state.recordsDelivered else { return }
        record(buffer, on: direction, at: context.clock.now())
    }

    /// The end of stream leaving the faults (slow_close: later than it was read).
    func recordEnd(on direction: Direction) {
        guard state.recordsDeliveredEnd else { return }
        context.sink?.submit(.finish(id, direction, at: context.clock.now()))
    }

    /// A fault fired: a comment on the next frame recorded in `direction`.
    func recordNote(_ text: String, on direction: Direction) {
        guard state.recordsDelivered else { return }
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
        perform(state.faultClosed(reason: reason))
    }

    /// A toxic resets the connection (reset_peer): RST both ways.
    func resetForFault(_ reason: String) {
        perform(state.faultReset(reason: reason))
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
        // With toxics, recorded as it leaves the faults.
        guard state.inputEnded(on: side, faultsEngaged: faults.isEngaged) else { return }
        let direction = side.readDirection
        let now = context.clock.now()
        if check != nil {
            report(
                check!.consume(Frame(connection: id, direction: direction, timestamp: now, event: .finish)),
                on: direction)
        }
        context.sink?.submit(.finish(id, direction, at: now))
    }

    func didFail(from side: ProxySide, error: Error) {
        state.failed(on: side, error: error)
    }

    func didAbort(from side: ProxySide) {
        state.aborted(on: side)
    }

    /// Ends the connection from the proxy's side (shutdown after the grace period).
    func abort(reason: String) {
        perform(state.abort(reason: reason))
    }

    func channelClosed(_ side: ProxySide) {
        perform(state.channelClosed(side))
    }

    /// Records, counts and logs the end of the connection.
    private func finish(_ summary: StateMachine.Summary) {
        pendingUpstreamGlue = nil
        let now = context.clock.now()
        if check != nil {
            var resetBy: Direction?
            if case .reset(let by) = summary.end { resetBy = by }
            var findings = check!.consume(
                Frame(
                    connection: id, direction: resetBy ?? .clientToServer, timestamp: now,
                    event: resetBy == nil ? .close : .reset))
            findings += check!.close(resetBy: resetBy)
            report(findings, on: resetBy ?? .serverToClient)
            check = nil
        }
        let text = summary.text
        context.sink?.submit(.closed(id, summary.end, at: now, comment: "closed: " + text))
        context.statistics.connectionClosed(
            bytesToServer: summary.unreportedToServer, bytesToClient: summary.unreportedToClient,
            graceful: summary.end == .graceful)
        context.logger.info(
            "connection \(id) \(client) -> \(listener) -> \(upstreamLocal.map { "\($0) -> " } ?? "")\(summary.forwardedTo) closed: \(text)"
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

    /// The TLS library's words for a failed handshake, put as what a user can act on.
    static func describeTLS(_ error: Error) -> String {
        if error is IOError || error is ChannelError { return describe(error) }
        return TLSFailureDescription.describe(error)
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

extension ProxyConnection: GlueHandlerDelegate {}

extension ProxyConnection: CaptureTapRecorder {
    /// Only what leaves the faults is recorded as written; without toxics the bytes were recorded as
    /// they were read.
    var recordsWrites: Bool { faults.engaged }

    /// What the plaintext taps saw: bytes read, unless toxics act (then as they leave the faults).
    /// The ends are the state machine's (`didFinish`, `recordEnd`, the summary at close).
    func record(_ event: CaptureTapHandler.Event) {
        switch event {
        case .read(let buffer, let direction, let at):
            guard state.recordsRead(faultsEngaged: faults.isEngaged) else { return }
            record(buffer, on: direction, at: at)
        case .wrote(let buffer, let direction, let at):
            guard state.recordsWritten(faultsEngaged: faults.engaged) else { return }
            record(buffer, on: direction, at: at)
        case .inputEnded, .outputClosed, .closed:
            break
        }
    }
}

extension String {
    /// A number with three decimals, without Foundation.
    init(format3 value: Double) {
        let millis = Int(saturating: (value * 1000).rounded())
        let frac = millis % 1000
        self = "\(millis / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)"
    }
}
