import Atomics
import NIOConcurrencyHelpers

/// A proxy's toxics as they change at run time (the control API adds and removes them while
/// connections run): a lock-protected list with a generation number, so a connection re-reads it
/// only when it changed. The generation is also kept in an atomic, so the check each forwarded
/// chunk makes takes no lock.
public final class ToxicSet: Sendable {
    private struct State {
        var toxics: [Toxic] = []
        var generation = 0
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

    /// Adds a toxic.
    /// - Throws: `ToxicError` when one of that name exists or the toxic is invalid.
    public func add(_ toxic: Toxic) throws(ToxicError) {
        try toxic.validate()
        let added = state.withLockedValue { state in
            guard !state.toxics.contains(where: { $0.name == toxic.name }) else { return false }
            state.toxics.append(toxic)
            state.generation += 1
            publishedGeneration.store(state.generation, ordering: .releasing)
            return true
        }
        guard added else { throw ToxicError("toxic \(toxic.name) already exists") }
    }

    /// Replaces the toxic of the same name.
    /// - Throws: `ToxicError` when there is none or the toxic is invalid.
    public func update(_ toxic: Toxic) throws(ToxicError) {
        try toxic.validate()
        let updated = state.withLockedValue { state in
            guard let index = state.toxics.firstIndex(where: { $0.name == toxic.name }) else { return false }
            state.toxics[index] = toxic
            state.generation += 1
            publishedGeneration.store(state.generation, ordering: .releasing)
            return true
        }
        guard updated else { throw ToxicError("toxic \(toxic.name) not found") }
    }

    /// Removes a toxic by name; returns whether there was one.
    @discardableResult
    public func remove(named name: String) -> Bool {
        state.withLockedValue { state in
            guard let index = state.toxics.firstIndex(where: { $0.name == name }) else { return false }
            state.toxics.remove(at: index)
            state.generation += 1
            publishedGeneration.store(state.generation, ordering: .releasing)
            return true
        }
    }

    /// Removes every toxic (Toxiproxy's `/reset`).
    public func removeAll() {
        state.withLockedValue { state in
            state.toxics.removeAll()
            state.generation += 1
            publishedGeneration.store(state.generation, ordering: .releasing)
        }
    }
}
