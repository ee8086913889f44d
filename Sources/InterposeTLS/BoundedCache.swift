import NIOConcurrencyHelpers

/// A dictionary shared across event loops that starts again when it reaches its limit: leaf
/// certificates and TLS contexts are cheap to make again, and a proxy meeting ever new server
/// names must not grow without end.
final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let limit: Int
    private let storage = NIOLockedValueBox([Key: Value]())

    init(limit: Int) {
        self.limit = limit
    }

    /// The value for `key`, made by `make` (outside the lock) when it is not there yet.
    func value(for key: Key, orMake make: () throws -> Value) rethrows -> Value {
        if let cached = storage.withLockedValue({ $0[key] }) { return cached }
        let value = try make()
        storage.withLockedValue { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }
}
