import InterposeCapture
import InterposeCore
import NIOCore

/// A capture sink with a 4 MiB queue and connection 1 (127.0.0.1:50001 -> 127.0.0.1:47000) open,
/// for tests that make the queue overflow.
struct OverflowTestSink {
    let configuration: CaptureSink.Configuration
    let sink: CaptureSink
    let id = ConnectionID(1)
    let clock = CaptureClock()

    init(path: String) throws {
        var configuration = CaptureSink.Configuration(path: path)
        configuration.queueLimitBytes = 4 << 20
        self.configuration = configuration
        sink = try CaptureSink(configuration: configuration)
        sink.submit(
            .clientConnected(
                id, client: Endpoint("127.0.0.1:50001")!, listener: Endpoint("127.0.0.1:47000")!, at: clock.now(),
                comment: ""))
    }

    /// Offers a 4 MiB read, which fills the queue.
    func offerBigRead() {
        sink.submit(.data(id, .clientToServer, ByteBuffer(repeating: 1, count: 4 << 20), at: clock.now()))
    }

    /// Offers a 100-byte read. - Returns: whether the sink took it.
    @discardableResult
    func offerSmallRead() -> Bool {
        sink.submit(.data(id, .clientToServer, ByteBuffer(repeating: 2, count: 100), at: clock.now()))
    }
}
