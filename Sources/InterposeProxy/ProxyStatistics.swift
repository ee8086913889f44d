import NIOConcurrencyHelpers

/// Counters for one proxy, safe to update from any event loop.
///
/// Connections add their byte counts when they close, so the hot path takes no lock.
public final class ProxyStatistics: Sendable {
    /// A copy of the counters at one moment.
    public struct Snapshot: Sendable, Equatable {
        /// Connections accepted.
        public var accepted = 0
        /// Connections still open.
        public var open = 0
        /// Connections that ended with FIN both ways.
        public var closedGracefully = 0
        /// Connections that ended with a reset, an error, or an abort.
        public var closedAbnormally = 0
        /// Upstream connections that could not be made (refused, unreachable, timed out).
        public var upstreamFailures = 0
        /// Bytes forwarded from clients to the upstream (closed connections).
        public var bytesToServer = 0
        /// Bytes forwarded from the upstream to clients (closed connections).
        public var bytesToClient = 0
        /// `--tls-intercept`: connections whose TLS was terminated on both legs.
        public var tlsIntercepted = 0
        /// `--tls-intercept`: clients that refused the interception certificate (or failed their
        /// handshake another way), or did not speak TLS.
        public var tlsClientFailures = 0
        /// `--tls-intercept`: upstream TLS handshakes that failed (a certificate not trusted).
        public var tlsUpstreamFailures = 0

        /// All counters zero.
        public init() {}
    }

    private let box = NIOLockedValueBox(Snapshot())

    /// Empty counters.
    public init() {}

    /// The counters now.
    public var snapshot: Snapshot { box.withLockedValue { $0 } }

    func connectionAccepted() {
        box.withLockedValue {
            $0.accepted += 1
            $0.open += 1
        }
    }

    func tlsIntercepted() {
        box.withLockedValue { $0.tlsIntercepted += 1 }
    }

    func tlsFailed(upstream: Bool) {
        box.withLockedValue {
            if upstream { $0.tlsUpstreamFailures += 1 } else { $0.tlsClientFailures += 1 }
        }
    }

    func upstreamFailed() {
        box.withLockedValue { $0.upstreamFailures += 1 }
    }

    /// Bytes a running connection moved since it last said.
    func add(bytesToServer: Int, bytesToClient: Int) {
        box.withLockedValue {
            $0.bytesToServer += bytesToServer
            $0.bytesToClient += bytesToClient
        }
    }

    /// A connection ended, with the bytes it had not reported yet.
    func connectionClosed(bytesToServer: Int, bytesToClient: Int, graceful: Bool) {
        box.withLockedValue {
            $0.open -= 1
            $0.bytesToServer += bytesToServer
            $0.bytesToClient += bytesToClient
            if graceful { $0.closedGracefully += 1 } else { $0.closedAbnormally += 1 }
        }
    }
}
