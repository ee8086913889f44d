import NIOConcurrencyHelpers

/// The recorded order of client writes across conversations that ran at the same time, kept in
/// the replay: a write waits until every other running conversation has sent what it had sent,
/// and received the answers it had received, more than `separation` earlier in the recording.
///
/// Without it, overlapping conversations only keep their start times, and a connection whose
/// start-up is slower in the replay (an authentication, a TLS handshake) falls behind the others:
/// a `pg_terminate_backend` or `CLIENT KILL` from a second connection then arrives before the
/// query it was meant to stop, a PUBLISH before the SUBSCRIBE on another connection. Waiting for
/// the other's answers too, not only its writes, is what makes the server have read them: two
/// connections' bytes that arrive together are read in whatever order the server accepts them.
/// A client's half-close or reset is ordered like a write: a subscriber that hangs up after the
/// PUBLISH reached it must not hang up before it is sent.
/// Writes closer
/// together than `separation` raced in the recording too, and are left to race; a wait lasts
/// `longestWait` at most.
///
/// Shared by the connections of one run, which live on different event loops; each call is a
/// short critical section. A conversation that has not started or has ended holds nobody back.
final class WriteOrder: Sendable {
    /// How far apart in the recording two writes must be for their order to be kept, in nanoseconds.
    static let separation: Int64 = 10_000_000
    /// How long a write waits for the others, in nanoseconds. The wait is bounded because the
    /// server may hold one conversation's answer until another moves on, in an order the replay
    /// does not reproduce exactly (a row lock that the other's COMMIT releases): unbounded, the two
    /// would wait for each other until the response timeout.
    static let longestWait: Int64 = 250_000_000

    /// What a write is to do.
    enum Decision: Equatable {
        /// Go now.
        case go
        /// Wait to be woken, and go at this time (nanoseconds on the replay's clock) at the latest.
        case wait(until: Int64)
    }

    fileprivate struct State {
        /// Per conversation, the recorded time of each write, and of its half-close or reset when
        /// the client ended it, in nanoseconds since the capture began.
        var times: [[Int64]]
        /// Per conversation, how many writes it has sent.
        var sent: [Int]
        /// Per conversation, the recorded time of each answer it received.
        var answerTimes: [[Int64]]
        /// Per conversation, how many answers it has received.
        var answered: [Int]
        /// The conversations that have started and not ended.
        var running: Set<Int> = []
        /// Conversations waiting for others, with how to wake them.
        var waiting: [Int: @Sendable () -> Void] = [:]
        /// Since when a conversation's next write has been waiting for the others.
        var waitingSince: [Int: Int64] = [:]
    }

    private let state: NIOLockedValueBox<State>

    /// The order of a plan's writes.
    init(plan: ReplayPlan) {
        let times = plan.conversations.map { conversation in
            var times = conversation.steps.map { conversation.startOffset + $0.offset }
            switch conversation.ending {
            case .clientFinish(let offset, _, _), .clientReset(let offset, _, _):
                times.append(conversation.startOffset + offset)
            case .serverClose, .open:
                break
            }
            return times
        }
        let answerTimes = plan.conversations.map { conversation in
            let origin = conversation.recorded.start.nanosecondsSinceEpoch - conversation.startOffset
            return conversation.recorded.exchanges.compactMap { exchange in
                exchange.response.map { exchange.start.nanosecondsSinceEpoch - origin + $0.latencyNanoseconds }
            }.sorted()
        }
        let none = Array(repeating: 0, count: times.count)
        state = NIOLockedValueBox(State(times: times, sent: none, answerTimes: answerTimes, answered: none))
    }

    /// A conversation started: from now on others wait for its writes.
    func started(_ conversation: Int) {
        _ = state.withLockedValue { $0.running.insert(conversation) }
    }

    /// A conversation ended (or never connected): it holds nobody back any more.
    func ended(_ conversation: Int) {
        let woken = state.withLockedValue { state -> [@Sendable () -> Void] in
            state.running.remove(conversation)
            state.waiting[conversation] = nil
            state.waitingSince[conversation] = nil
            return state.takeWaiting()
        }
        for wake in woken { wake() }
    }

    /// Whether a conversation may send its write `step` now.
    /// - Parameters:
    ///   - now: the time, in nanoseconds on the replay's clock.
    ///   - wake: called (on any thread) once another conversation has moved on, when the answer is
    ///     not `.go`; the caller then asks again.
    func mayWrite(_ conversation: Int, step: Int, now: Int64, wake: @escaping @Sendable () -> Void) -> Decision {
        state.withLockedValue { state in
            let before = state.times[conversation][step] - Self.separation
            let behind = state.running.contains { other in
                other != conversation
                    && (state.sent[other] < State.count(state.times[other], before: before)
                        || state.answered[other] < State.count(state.answerTimes[other], before: before))
            }
            guard behind else {
                state.waitingSince[conversation] = nil
                return .go
            }
            let since = state.waitingSince[conversation] ?? now
            if now - since >= Self.longestWait {
                state.waitingSince[conversation] = nil
                return .go
            }
            state.waitingSince[conversation] = since
            state.waiting[conversation] = wake
            return .wait(until: since + Self.longestWait)
        }
    }

    /// A conversation has received `count` answers in all.
    func answered(_ conversation: Int, count: Int) {
        let woken = state.withLockedValue { state -> [@Sendable () -> Void] in
            guard count > state.answered[conversation] else { return [] }
            state.answered[conversation] = count
            return state.takeWaiting()
        }
        for wake in woken { wake() }
    }

    /// A conversation sent a write.
    func wrote(_ conversation: Int) {
        let woken = state.withLockedValue { state -> [@Sendable () -> Void] in
            state.sent[conversation] += 1
            return state.takeWaiting()
        }
        for wake in woken { wake() }
    }
}

extension WriteOrder.State {
    /// How many of the sorted recorded times lie before `time`: a binary search.
    fileprivate static func count(_ times: [Int64], before time: Int64) -> Int {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Removes and returns every waiter, to be woken outside the lock (each asks again).
    fileprivate mutating func takeWaiting() -> [@Sendable () -> Void] {
        guard !waiting.isEmpty else { return [] }
        let woken = Array(waiting.values)
        waiting.removeAll(keepingCapacity: true)
        return woken
    }
}
