import InterposeCapture
import InterposeCore
import NIOCore

/// The lifecycle of one proxied connection as a value: events in, actions out.
///
/// `ProxyConnection` feeds it what its channels, the TLS handlers and the faults report and performs
/// the actions it returns; every decision about the connection's course is taken here, so it is
/// tested without a socket (`ProxyConnectionStateMachineTests`):
///
/// accepted → (transparent: original destination read, or refused) → (intercepting: ClientHello
/// peeked) → connecting → connected, or connect failed → (intercepting: the upstream's handshake,
/// then the client's) → forwarding, each direction ending on its own → closed.
///
/// The first abnormal end (a reset, an error, a refusal, a fault) is kept; later events do not
/// overwrite it. The connection is closed once both of its channels are.
struct ProxyConnectionStateMachine<C: Clock> where C.Duration == Duration {
    /// What the connection was set up with.
    struct Configuration {
        /// The proxy's upstream (unused in transparent mode).
        var upstream: HostPort
        /// The upstream's resolved address, when the proxy resolved it at start.
        var upstreamAddress: SocketAddress?
        /// The listener the client connected to.
        var listener: Endpoint
        /// Transparent mode: forward to the connection's original destination.
        var transparent: Bool
        /// TLS interception: peek the ClientHello, handshake with the upstream, then with the client.
        var intercepting: Bool
        /// How long the upstream's TLS handshake may take.
        var connectTimeout: Duration
    }

    /// Where the connection is in its course.
    enum Phase: Equatable {
        /// Accepted; its channel is not active yet.
        case accepted
        /// Transparent mode: reading the original destination from the accepted socket.
        case readingDestination
        /// Intercepting: holding the client's bytes until its ClientHello is complete.
        case awaitingClientHello
        /// Connecting to the destination (after the faults' connect delay, if any).
        case connecting
        /// Intercepting: connected, the upstream's TLS handshake under way.
        case upstreamHandshake
        /// Bytes flow both ways (intercepting: the client's handshake may still be running).
        case forwarding
        /// Intercepting: the upstream channel closed during its handshake; the client's is closing.
        case upstreamClosed
        /// Not forwarded (transparent mode's refusals, a client that is not TLS): the client is reset.
        case refused
        /// Both channels closed; the summary was given out.
        case closed
    }

    /// What the shell does next, in order.
    enum Action: Equatable {
        /// Read `SO_ORIGINAL_DST` from the accepted socket; report with `originalDestinationRead` or
        /// `originalDestinationUnreadable`.
        case readOriginalDestination
        /// Log the original destination the connection will be forwarded to.
        case logOriginalDestination
        /// Record the client leg in the capture and set up the connection's checks.
        case recordClientLeg
        /// Install the ClientHello peek (and the client leg's encrypted tap).
        case awaitClientHello
        /// Connect to `destination`, after the faults' connect delay.
        case connect
        /// Record the upstream leg in the capture.
        case recordUpstreamLeg
        /// Join the upstream channel to the client's: bytes start to flow.
        case addUpstreamGlue
        /// Start TLS on the upstream channel; fail it with `upstreamHandshakeTimedOut` at `deadline`.
        case startUpstreamTLS(timeoutAt: C.Instant)
        /// Cancel the upstream handshake's timeout.
        case cancelUpstreamHandshakeTimeout
        /// Note in the capture what was intercepted and which protocol the upstream chose.
        case noteInterception(applicationProtocol: String?)
        /// Start the client's TLS handshake with a certificate for the intercepted name.
        case startClientTLS(applicationProtocol: String?)
        /// Count and log a completed interception.
        case interceptionCompleted(applicationProtocol: String?)
        /// Count a connection that was not forwarded.
        case countUpstreamFailure
        /// Count a failed TLS handshake.
        case countTLSFailure(upstream: Bool)
        /// Report the `tls.client-not-tls` finding.
        case reportClientNotTLS(reason: String)
        /// Report the failed handshake on `side` as a finding.
        case reportTLSHandshakeFailure(ProxySide, reason: String)
        /// Close `side`'s channel with RST.
        case reset(ProxySide)
        /// A fault closes the connection: FIN both ways once what was written is out.
        case closeForFault
        /// Both channels are closed: record, count and log the end.
        case finish(Summary)
    }

    /// What one read changes beyond the counts: bytes to add to the shared statistics now (batched:
    /// every 64 reads or 64 KiB), if any.
    struct StatisticsReport: Equatable {
        var toServer: Int
        var toClient: Int
    }

    /// How a connection ended, for the capture, the statistics and its log line.
    struct Summary: Equatable {
        var end: ConnectionEnd
        var reason: String
        var bytesToServer: Int
        var bytesToClient: Int
        /// What of the byte counts the shared statistics do not have yet.
        var unreportedToServer: Int
        var unreportedToClient: Int
        var duration: Duration
        /// Where the connection was forwarded, or `(not forwarded)` for a refused transparent one.
        var forwardedTo: String

        /// `reason; N B client->server, M B server->client; S s`, as the log line and the capture
        /// comment say it.
        var text: String {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return "\(reason); \(bytesToServer) B client->server, \(bytesToClient) B server->client; "
                + "\(String(format3: seconds)) s"
        }
    }

    let configuration: Configuration
    let clock: C
    private let startedAt: C.Instant
    private(set) var phase: Phase = .accepted
    /// Where the connection is forwarded: the upstream, or the original destination once read.
    private(set) var destination: HostPort
    private(set) var destinationAddress: SocketAddress?
    /// The server end of the client leg in the capture and checks: the listener, or in transparent
    /// mode the original destination (what the client believes it talks to).
    private(set) var server: Endpoint
    private(set) var bytesToServer = 0
    private(set) var bytesToClient = 0
    private var reportedToServer = 0
    private var reportedToClient = 0
    private var readsSinceReport = 0
    private var finished: Set<Direction> = []
    /// The first thing that ended the connection abnormally.
    private(set) var abnormalEnd: (end: ConnectionEnd, reason: String)?
    private var openChannels = 1
    /// Whether the upstream channel exists (connected, whatever happened after).
    private(set) var hasUpstream = false

    init(configuration: Configuration, clock: C) {
        self.configuration = configuration
        self.clock = clock
        self.startedAt = clock.now
        self.destination = configuration.upstream
        self.server = configuration.listener
    }

    /// Whether the connection is over (its summary given out); nothing more is recorded.
    var isClosed: Bool { phase == .closed }

    // MARK: Opening

    /// The accepted channel is active.
    mutating func clientActive() -> [Action] {
        guard phase == .accepted else { return [] }
        guard configuration.transparent else {
            destinationAddress = configuration.upstreamAddress
            return openClientLeg()
        }
        phase = .readingDestination
        return [.readOriginalDestination]
    }

    /// Transparent mode: the accepted socket's original destination; forwarded there unless it is the
    /// listener itself (a connection made straight to the proxy, which would loop back into it).
    mutating func originalDestinationRead(_ original: Endpoint?, address: SocketAddress) -> [Action] {
        guard phase == .readingDestination else { return [] }
        guard let original else {
            return refuse(reason: "refused: the original destination \(address) is not an IP address")
        }
        if original == configuration.listener {
            return refuse(
                reason: "refused: not redirected (original destination \(original) is the listener itself; "
                    + "forwarding it would loop)")
        }
        destination = HostPort(host: original.address.description, port: original.port)
        destinationAddress = address
        server = original
        return [.logOriginalDestination] + openClientLeg()
    }

    /// Transparent mode: the original destination could not be read.
    mutating func originalDestinationUnreadable(_ error: Error) -> [Action] {
        guard phase == .readingDestination else { return [] }
        return refuse(reason: "refused: \(error)")
    }

    private mutating func openClientLeg() -> [Action] {
        if configuration.intercepting {
            phase = .awaitingClientHello
            return [.recordClientLeg, .awaitClientHello]
        }
        phase = .connecting
        return [.recordClientLeg, .connect]
    }

    /// A connection the proxy will not forward: reset; the summary gives `reason`.
    private mutating func refuse(reason: String) -> [Action] {
        endAbnormally(.reset(by: .serverToClient), reason: reason)
        if !isClosed { phase = .refused }
        return [.countUpstreamFailure, .reset(.client)]
    }

    /// Intercepting: the client's ClientHello is complete.
    mutating func clientHelloReceived() -> [Action] {
        guard phase == .awaitingClientHello else { return [] }
        phase = .connecting
        return [.connect]
    }

    /// Intercepting: the client's first bytes are not a TLS ClientHello.
    mutating func clientNotTLS(reason: String) -> [Action] {
        guard phase == .awaitingClientHello else { return [] }
        return [.countTLSFailure(upstream: false), .reportClientNotTLS(reason: reason)]
            + refuse(reason: "refused: \(reason)")
    }

    /// Intercepting: the client closed before its ClientHello was complete.
    mutating func clientClosedBeforeHello() {
        endAbnormally(.reset(by: .clientToServer), reason: "client closed before completing its ClientHello")
    }

    /// Intercepting: the ClientHello peek could not be installed.
    mutating func interceptionSetupFailed(_ error: Error) -> [Action] {
        refuse(reason: "cannot set up TLS interception: \(error)")
    }

    // MARK: Connecting

    /// The faults' connect delay is over: connect, unless the client left meanwhile.
    func connectDelayElapsed(clientActive: Bool) -> Bool {
        phase == .connecting && clientActive
    }

    /// The upstream channel is connected.
    mutating func upstreamConnected(clientActive: Bool) -> [Action] {
        openChannels += 1
        hasUpstream = true
        var actions: [Action] = isClosed ? [] : [.recordUpstreamLeg]
        guard !isClosed, clientActive else {
            // The client went away while we were connecting.
            actions.append(.reset(.upstream))
            return actions
        }
        if configuration.intercepting {
            phase = .upstreamHandshake
            actions.append(.startUpstreamTLS(timeoutAt: clock.now.advanced(by: configuration.connectTimeout)))
        } else {
            phase = .forwarding
            actions.append(.addUpstreamGlue)
        }
        return actions
    }

    /// The upstream connection failed (refused, timed out, no address).
    mutating func upstreamConnectFailed(_ error: Error) -> [Action] {
        let reason = "upstream \(destination) failed: \(ProxyConnection.describe(error))"
        endAbnormally(.reset(by: .serverToClient), reason: reason)
        return [.countUpstreamFailure, .reset(.client)]
    }

    /// The upstream channel's handlers could not be installed.
    mutating func upstreamSetupFailed(_ error: Error) -> [Action] {
        endAbnormally(.reset(by: .serverToClient), reason: "cannot set up the upstream channel: \(error)")
        return [.reset(.upstream), .reset(.client)]
    }

    // MARK: TLS interception

    /// A TLS handshake finished: the upstream's first, then the client's.
    mutating func tlsHandshakeCompleted(on side: ProxySide, applicationProtocol: String?, clientActive: Bool)
        -> [Action]
    {
        var actions: [Action] = side == .upstream ? [.cancelUpstreamHandshakeTimeout] : []
        guard !isClosed else { return actions }
        switch side {
        case .upstream:
            guard phase == .upstreamHandshake else { return actions }
            guard clientActive else {
                // The client left during the upstream handshake; its close already ended its side.
                actions.append(.reset(.upstream))
                return actions
            }
            phase = .forwarding
            actions += [
                .addUpstreamGlue, .noteInterception(applicationProtocol: applicationProtocol),
                .startClientTLS(applicationProtocol: applicationProtocol),
            ]
        case .client:
            actions.append(.interceptionCompleted(applicationProtocol: applicationProtocol))
        }
        return actions
    }

    /// A TLS handshake failed (or could not start): the connection is reset, never carried on in
    /// plaintext.
    mutating func tlsHandshakeFailed(on side: ProxySide, error: Error) -> [Action] {
        var actions: [Action] = side == .upstream ? [.cancelUpstreamHandshakeTimeout] : []
        guard !isClosed else { return actions }
        let reason = ProxyConnection.describeTLS(error)
        actions += [.countTLSFailure(upstream: side == .upstream), .reportTLSHandshakeFailure(side, reason: reason)]
        endAbnormally(
            .reset(by: .serverToClient),
            reason: "tls \(side == .client ? "client" : "upstream") handshake failed: \(reason)")
        actions.append(.reset(.client))
        if hasUpstream { actions.append(.reset(.upstream)) }
        return actions
    }

    /// The upstream's handshake did not finish within the connect timeout.
    mutating func upstreamHandshakeTimedOut(upstreamActive: Bool) -> [Action] {
        guard phase == .upstreamHandshake, !isClosed, upstreamActive else { return [] }
        let milliseconds =
            configuration.connectTimeout.components.seconds * 1000
            + configuration.connectTimeout.components.attoseconds / 1_000_000_000_000_000
        return tlsHandshakeFailed(on: .upstream, error: TLSHandshakeTimeout(milliseconds: milliseconds))
    }

    /// The upstream channel closed before it was joined to the client's (its handshake failed or the
    /// upstream left during it): the glue that would report it is not there.
    mutating func upstreamClosedBeforeForwarding() -> [Action] {
        guard phase == .upstreamHandshake else { return [] }
        phase = .upstreamClosed
        return channelClosed(.upstream)
    }

    /// The upstream's TLS handshake did not finish within the connect timeout.
    struct TLSHandshakeTimeout: Error, CustomStringConvertible {
        var milliseconds: Int64
        var description: String { "the handshake did not finish within \(milliseconds) ms" }
    }

    // MARK: Forwarding

    /// Bytes were read on `side`.
    mutating func read(_ count: Int, from side: ProxySide) -> StatisticsReport? {
        if side == .client {
            bytesToServer += count
        } else {
            bytesToClient += count
        }
        // The shared statistics (and /metrics) see the bytes while the connection runs, in batches:
        // one lock every 64 reads or 64 KiB rather than one per read.
        readsSinceReport += 1
        guard readsSinceReport >= 64 || bytesToServer + bytesToClient - reportedToServer - reportedToClient >= 65_536
        else { return nil }
        let report = StatisticsReport(
            toServer: bytesToServer - reportedToServer, toClient: bytesToClient - reportedToClient)
        reportedToServer = bytesToServer
        reportedToClient = bytesToClient
        readsSinceReport = 0
        return report
    }

    /// Whether the plaintext tap records bytes it saw read: without toxics; with them, each direction
    /// is recorded as it leaves the faults (`recordsWritten`).
    func recordsRead(faultsEngaged: Bool) -> Bool {
        !faultsEngaged
    }

    /// Whether the plaintext tap records bytes it saw written: what leaves the faults, while the
    /// connection is open.
    func recordsWritten(faultsEngaged: Bool) -> Bool {
        faultsEngaged && !isClosed
    }

    /// `side`'s input ended cleanly (FIN). Returns whether to record the end of that direction now
    /// (without toxics; with them, as it leaves the faults).
    mutating func inputEnded(on side: ProxySide, faultsEngaged: Bool) -> Bool {
        let direction = side.readDirection
        guard !finished.contains(direction), abnormalEnd == nil else { return false }
        finished.insert(direction)
        return !faultsEngaged
    }

    /// Whether a note from the faults, or a request they answered themselves, is recorded: not after
    /// the connection closed.
    var recordsDelivered: Bool { !isClosed }

    /// Whether an end of stream leaving the faults is recorded: not after an abnormal end.
    var recordsDeliveredEnd: Bool { !isClosed && abnormalEnd == nil }

    /// `side`'s channel failed: a reset (`ECONNRESET`, `EPIPE`) or another error.
    mutating func failed(on side: ProxySide, error: Error) {
        let who = side == .client ? "client" : "upstream"
        if ProxyConnection.isReset(error) {
            endAbnormally(.reset(by: side.readDirection), reason: "\(who) reset the connection")
        } else {
            endAbnormally(.reset(by: side.readDirection), reason: "\(who) error: \(ProxyConnection.describe(error))")
        }
    }

    /// `side`'s channel closed without a FIN from its peer.
    mutating func aborted(on side: ProxySide) {
        let who = side == .client ? "client" : "upstream"
        endAbnormally(.reset(by: side.readDirection), reason: "\(who) connection closed without FIN")
    }

    /// The proxy ends the connection (shutdown after the grace period).
    mutating func abort(reason: String) -> [Action] {
        endAbnormally(.reset(by: .serverToClient), reason: reason)
        return resetBoth()
    }

    /// A toxic closes the connection (timeout, limit_data, drop_after_requests): FIN both ways.
    mutating func faultClosed(reason: String) -> [Action] {
        endAbnormally(.reset(by: .serverToClient), reason: "interpose fault \(reason)")
        return [.closeForFault]
    }

    /// A toxic resets the connection (reset_peer): RST both ways.
    mutating func faultReset(reason: String) -> [Action] {
        endAbnormally(.reset(by: .serverToClient), reason: "interpose fault \(reason)")
        return resetBoth()
    }

    private func resetBoth() -> [Action] {
        hasUpstream ? [.reset(.client), .reset(.upstream)] : [.reset(.client)]
    }

    private mutating func endAbnormally(_ end: ConnectionEnd, reason: String) {
        if abnormalEnd == nil && !isClosed { abnormalEnd = (end, reason) }
    }

    // MARK: Closing

    /// `side`'s channel closed; once both are, the connection is over.
    mutating func channelClosed(_ side: ProxySide) -> [Action] {
        openChannels -= 1
        guard openChannels <= 0, !isClosed else { return [] }
        if side == .client && !hasUpstream && abnormalEnd == nil {
            // The client left before the upstream connection was made.
            endAbnormally(.reset(by: .clientToServer), reason: "client closed before the upstream connected")
        }
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
        phase = .closed
        // A refused transparent connection has no destination yet.
        let forwardedTo = configuration.transparent && destinationAddress == nil ? "(not forwarded)" : "\(destination)"
        return [
            .finish(
                Summary(
                    end: end, reason: reason, bytesToServer: bytesToServer, bytesToClient: bytesToClient,
                    unreportedToServer: bytesToServer - reportedToServer,
                    unreportedToClient: bytesToClient - reportedToClient, duration: startedAt.duration(to: clock.now),
                    forwardedTo: forwardedTo))
        ]
    }
}
