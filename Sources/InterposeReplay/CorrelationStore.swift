import InterposeProtocols
import NIOConcurrencyHelpers

/// The values the server of one replay run handed out, shared by the run's conversations (which
/// may be on different event loops), and how often each was sent back.
///
/// A conversation publishes a value when its response that handed the value out in the recording
/// arrives; a write that sends values back takes whatever was published by then. Conversations
/// that ran one after another in the recording run so in the replay, so a value handed out by an
/// earlier one is there; a write of an overlapping conversation may be sent before its value is,
/// and then sends the recorded one (counted as `CorrelationCount.unavailable`): the replay keeps the
/// recorded concurrency rather than waiting.
final class CorrelationStore: Sendable {
    private struct State {
        var values: [[UInt8]?]
        var published: [Bool]
        var counts: [CorrelationCount]
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
        state.withLockedValue { state in
            for id in ids {
                state.published[id] = true
                state.values[id] = found[id]
                state.counts[id].missing = found[id] == nil
            }
        }
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
                guard let live = state.values[id] else { continue }
                state.counts[id].applied += 1
                if live != correlations[id].recorded {
                    state.counts[id].changed += 1
                    substitutions.append(
                        ValueSubstitution(recorded: correlations[id].recorded, live: live, onlyAt: correlations[id].onlyAt))
                }
            }
            return substitutions
        }
    }

    /// The counts so far, by id.
    var counts: [CorrelationCount] { state.withLockedValue { $0.counts } }
}
