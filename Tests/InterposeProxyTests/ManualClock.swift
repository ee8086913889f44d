import NIOConcurrencyHelpers

/// A clock that moves only when a test advances it, for state machines that take a clock.
final class ManualClock: Clock, Sendable {
    /// An instant: the time since the clock was made.
    struct Instant: InstantProtocol {
        var offset: Duration

        init(_ offset: Duration) { self.offset = offset }

        func advanced(by duration: Duration) -> Instant { Instant(offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = NIOLockedValueBox(Instant(.zero))

    var now: Instant { current.withLockedValue { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }

    /// Moves the clock forward by `duration`.
    func advance(by duration: Duration) {
        current.withLockedValue { $0 = $0.advanced(by: duration) }
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        while now < deadline { try await Task.sleep(nanoseconds: 1_000_000) }
    }
}
