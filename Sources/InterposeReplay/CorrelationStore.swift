import InterposeProtocols
import NIOConcurrencyHelpers

/// The values the server of one replay run handed out, shared by the run's conversations (which
/// may be on different event loops), and how often each was sent back.
///
/// A conversation publishes a value when its response that handed the value out in the recording
/// arrives, or gives it up when it ends without that response. A write that sends values back
/// waits until they are published, as the recorded client could only send them after it had them:
/// conversations that ran one after another have them at once, and a write of an overlapping one
/// waits for the other conversation's answer (`whenPublished`), at most the response timeout, then
/// sends the recorded value (counted as `CorrelationCount.unavailable`).
final class CorrelationStore: Sendable {
    private struct State {
        var values: [[UInt8]?]
        var published: [Bool]
        var counts: [CorrelationCount]
        var waiters: [(ids: [Int], resume: @Sendable () -> Void)] = []
    }

    /// The plan's correlations, by id.
    let correlations: [Correlation]
    private let state: NIOLockedValueBox<State>

    /// A store for a run of a plan with these correlations.
    init(_ correlations: [Correlation]) {
        self.correlations = correlations
        state = NIOLockedValueBox(
            State(
                values: Array(repeating: nil, count: correlations.count),
                published: Array(repeating: false, count: correlations.count),
                counts: Array(repeating: CorrelationCount(), count: correlations.count)))
    }

    /// The live response of `exchange` arrived: each correlation it hands out takes its value from
    /// the response's values at the correlation's locator (`nil`: missing).
    func publish(_ ids: [Int], from values: [HandedValue]) {
        var found: [Int: [UInt8]] = [:]
        for id in ids {
            if let value = values.first(where: { $0.locator == correlations[id].locator }) {
                found[id] = value.value
            }
        }
        let ready = state.withLockedValue { state in
            for id in ids {
                state.published[id] = true
                state.values[id] = found[id]
                state.counts[id].missing = found[id] == nil
            }
            return Self.takeReady(&state)
        }
        for resume in ready { resume() }
    }

    /// The conversation that was to hand these out ended without their response: writes waiting for
    /// them go on with the recorded values.
    func abandon(_ ids: [Int]) {
        guard !ids.isEmpty else { return }
        let ready = state.withLockedValue { state in
            for id in ids where !state.published[id] { state.published[id] = true }
            return Self.takeReady(&state)
        }
        for resume in ready { resume() }
    }

    /// Whether every one of these was published (or given up).
    func arePublished(_ ids: [Int]) -> Bool {
        state.withLockedValue { state in ids.allSatisfy { state.published[$0] } }
    }

    /// Calls `resume` once every one of these is published (at once when they are).
    func whenPublished(_ ids: [Int], resume: @escaping @Sendable () -> Void) {
        let now = state.withLockedValue { state in
            if ids.allSatisfy({ state.published[$0] }) { return true }
            state.waiters.append((ids, resume))
            return false
        }
        if now { resume() }
    }

    private static func takeReady(_ state: inout State) -> [@Sendable () -> Void] {
        var ready: [@Sendable () -> Void] = []
        state.waiters.removeAll { waiter in
            guard waiter.ids.allSatisfy({ state.published[$0] }) else { return false }
            ready.append(waiter.resume)
            return true
        }
        return ready
    }

    /// The substitutions for a write that sends these correlations back: the recorded value by the
    /// live one where it is known, counted as applied (or unavailable, or missing when the live
    /// response lacked it).
    func substitutions(for ids: [Int]) -> [ValueSubstitution] {
        state.withLockedValue { state in
            var substitutions: [ValueSubstitution] = []
            for id in ids {
                guard state.published[id] else {
                    state.counts[id].unavailable += 1
                    continue
                }
                guard let live = state.values[id] else {
                    if !state.counts[id].missing { state.counts[id].unavailable += 1 }
                    continue
                }
                state.counts[id].applied += 1
                if live != correlations[id].recorded {
                    state.counts[id].changed += 1
                    substitutions.append(
                        ValueSubstitution(
                            recorded: correlations[id].recorded, live: live, onlyAt: correlations[id].onlyAt))
                }
            }
            return substitutions
        }
    }

    /// The counts so far, by id.
    var counts: [CorrelationCount] { state.withLockedValue { $0.counts } }
}
