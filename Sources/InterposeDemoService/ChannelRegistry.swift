import NIOConcurrencyHelpers
import NIOCore

/// The listening channel of a running demo service and the connections it accepted, so `stop()`
/// can close them all.
final class ChannelRegistry: Sendable {
    private struct State {
        var server: Channel?
        var connections: [ObjectIdentifier: Channel] = [:]
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())

    /// Records the listening channel.
    func setServer(_ channel: Channel) {
        state.withLockedValue { $0.server = channel }
    }

    /// Records an accepted connection until it closes.
    /// - Returns: `false` when the service is already stopping (the caller closes the connection).
    func add(_ channel: Channel) -> Bool {
        let key = ObjectIdentifier(channel)
        let accepted = state.withLockedValue { state -> Bool in
            guard !state.stopped else { return false }
            state.connections[key] = channel
            return true
        }
        if accepted {
            channel.closeFuture.whenComplete { _ in
                self.state.withLockedValue { _ = $0.connections.removeValue(forKey: key) }
            }
        }
        return accepted
    }

    /// Marks the service stopped and hands back every channel to close.
    func takeAll() -> (server: Channel?, connections: [Channel]) {
        state.withLockedValue { state in
            state.stopped = true
            let taken = (state.server, Array(state.connections.values))
            state.server = nil
            state.connections = [:]
            return taken
        }
    }
}
