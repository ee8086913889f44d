import Atomics
import NIOConcurrencyHelpers

/// A proxy's toxics as they change at run time (the control API adds and removes them while
/// connections run): a lock-protected list with a generation number, so a connection re-reads it
/// only when it changed. The generation is also kept in an atomic, so the check each forwarded
/// chunk makes takes no lock; and whoever must act on a change without traffic (a timeout added to an
/// idle connection) is told of it through `observe(_:)` instead of polling.
public final class ToxicSet: Sendable {
    private struct State {
        var toxics: [Toxic] = []
        var generation = 0
        var observers: [UInt64: @Sendable () -> Void] = [:]
        var nextObserver: UInt64 = 0
    }

    /// A registration of `observe(_:)`, to end with `stopObserving(_:)`.
    public struct Observation: Hashable, Sendable {
        fileprivate let id: UInt64
    }

    private let state = NIOLockedValueBox(State())
    /// `state.generation`, stored after each change while the lock is held.
    private let publishedGeneration = ManagedAtomic(0)

    /// An empty set, or one with these toxics.
    public init(_ toxics: [Toxic] = []) {
        state.withLockedValue { $0.toxics = toxics }
    }

    /// The toxics and the generation they are from.
    public var snapshot: (toxics: [Toxic], generation: Int) {
        state.withLockedValue { ($0.toxics, $0.generation) }
    }

    /// The toxics now.
    public var toxics: [Toxic] { snapshot.toxics }

    /// The generation now: it grows with every change.
    public var generation: Int { publishedGeneration.load(ordering: .acquiring) }

    /// Calls `changed` after every change from now on, on the thread that made it (outside the lock:
    /// it may read the set), until `stopObserving(_:)`.
    /// - Parameter changed: what to do on a change; it should only hand the news to its own thread.
    /// - Returns: the registration, for `stopObserving(_:)`.
    public func observe(_ changed: @escaping @Sendable () -> Void) -> Observation {
        state.withLockedValue { state in
            state.nextObserver += 1
            state.observers[state.nextObserver] = changed
            return Observation(id: state.nextObserver)
        }
    }

    /// Ends an `observe(_:)` registration; nothing happens for one already ended.
    public func stopObserving(_ observation: Observation) {
        _ = state.withLockedValue { $0.observers.removeValue(forKey: observation.id) }
    }

    /// Adds a toxic.
    /// - Throws: `ToxicError` when one of that name exists or the toxic is invalid.
    public func add(_ toxic: Toxic) throws(ToxicError) {
        try toxic.validate()
        let added = change { toxics in
            guard !toxics.contains(where: { $0.name == toxic.name }) else { return false }
            toxics.append(toxic)
            return true
        }
        guard added else { throw ToxicError("toxic \(toxic.name) already exists") }
    }

    /// Replaces the toxic of the same name.
    /// - Throws: `ToxicError` when there is none or the toxic is invalid.
    public func update(_ toxic: Toxic) throws(ToxicError) {
        try toxic.validate()
        let updated = change { toxics in
            guard let index = toxics.firstIndex(where: { $0.name == toxic.name }) else { return false }
            toxics[index] = toxic
            return true
        }
        guard updated else { throw ToxicError("toxic \(toxic.name) not found") }
    }

    /// Removes a toxic by name; returns whether there was one.
    @discardableResult
    public func remove(named name: String) -> Bool {
        change { toxics in
            guard let index = toxics.firstIndex(where: { $0.name == name }) else { return false }
            toxics.remove(at: index)
            return true
        }
    }

    /// Removes every toxic (Toxiproxy's `/reset`).
    public func removeAll() {
        change { toxics in
            toxics.removeAll()
            return true
        }
    }

    /// Applies `body` under the lock; when it changed the list, publishes the new generation and
    /// then tells the observers.
    @discardableResult
    private func change(_ body: (inout [Toxic]) -> Bool) -> Bool {
        let observers: [@Sendable () -> Void]? = state.withLockedValue { state in
            guard body(&state.toxics) else { return nil }
            state.generation += 1
            publishedGeneration.store(state.generation, ordering: .releasing)
            return Array(state.observers.values)
        }
        guard let observers else { return false }
        for observer in observers { observer() }
        return true
    }
}
