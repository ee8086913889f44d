import Synchronization

/// A stop request for a running `LiveCapture`, safe to make from any thread (a signal handler's
/// dispatch source, a timer): the capture loop sees it within its poll interval (100 ms).
public final class LiveCaptureStop: Sendable {
    private let requested = Atomic<Bool>(false)

    /// Not yet requested.
    public init() {}

    /// Asks the capture to stop; it then finishes its conversations and returns.
    public func request() {
        requested.store(true, ordering: .releasing)
    }

    /// Whether a stop was asked for.
    public var isRequested: Bool {
        requested.load(ordering: .acquiring)
    }
}
