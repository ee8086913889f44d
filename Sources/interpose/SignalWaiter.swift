import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Waits for a termination signal without a signal handler doing the work: the signals are
/// ignored at the process level and delivered to a dispatch source instead.
/// `@unchecked Sendable`: the sources are only kept alive here, never touched after `init`.
final class SignalWaiter: @unchecked Sendable {
    private let stream: AsyncStream<Int32>
    private let sources: [DispatchSourceSignal]

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        self.sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            return source
        }
    }

    /// Returns when one of the signals arrives.
    func wait() async {
        for await _ in stream { return }
    }
}
