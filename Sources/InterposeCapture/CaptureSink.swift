import InterposeCore
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Records connections into a pcapng file, off the event loops.
///
/// The proxy calls `submit(_:)` from its event loops for every connection event and every read;
/// `submit` only appends to a bounded queue under a lock. One writer thread turns the records into
/// synthesized TCP conversations (handshake, data segments, FIN or RST), batches the packets in a
/// large buffer and writes them with `write(2)`: at least every `flushIntervalNanoseconds` and
/// whenever a connection closed, so that after `kill -9` the file reads up to the last flush.
///
/// When the writer falls behind, `.drop` keeps the proxy going and drops data from the capture:
/// counted in `statistics`, and visible in the file (the connection's sequence numbers skip the lost
/// bytes and a comment says `capture dropped N bytes here (queue full)`). `.block` keeps every byte;
/// the proxy stops reading from its sockets while `isOverLimit` is true.
///
/// ```swift
/// let sink = try CaptureSink(configuration: .init(path: "/tmp/capture.pcapng"))
/// sink.submit(.clientConnected(id, client: client, listener: listener, at: clock.now(), comment: ""))
/// sink.submit(.data(id, .clientToServer, buffer, at: clock.now()))
/// sink.submit(.closed(id, .graceful, at: clock.now(), comment: "closed by client"))
/// let statistics = sink.close()
/// ```
public final class CaptureSink: Sendable {
    /// State shared by the submitters and the writer thread, behind `Shared.condition`.
    struct SharedState {
        var queue: [CaptureQueueItem] = []
        var queuedBytes = 0
        /// Data dropped per connection and direction, not yet noted in the queue.
        var pendingLoss: [ConnectionID: DirectionPair<DroppedData>] = [:]
        var droppedRecords = 0
        var droppedBytes = 0
        var closing = false
        var writerFailed = false
        /// The writer's counters as last published.
        var written = CaptureFileWriter.Counters()
        var packetsWritten = 0
        var fileBytesWritten = 0
        var files: [String] = []
        var writeError: String?
        /// Readers held by `isOverLimit` under `.block`, woken once the queue is below its limit.
        var belowLimitWaiters: [@Sendable () -> Void] = []
    }

    /// Records and bytes dropped in one direction of a connection.
    struct DroppedData {
        var records = 0
        var bytes = 0
    }

    /// The lock, its condition and the state it protects; referenced by the sink and the writer thread.
    final class Shared: @unchecked Sendable {
        /// Signalled when the queue becomes non-empty, when it reaches a batch's worth, and at close.
        let condition = Condition()
        /// Only touched with `condition` locked.
        var state = SharedState()
    }

    private let shared = Shared()
    private let configuration: Configuration
    /// The writer thread until joined, then the final statistics.
    private let lifecycle: NIOLockedValueBox<(thread: pthread_t?, final: CaptureStatistics?)>

    /// Creates the capture file (mode 0600) with its header blocks and starts the writer thread.
    ///
    /// - Parameter configuration: where and how to write.
    /// - Throws: `CaptureError` when the file cannot be created or written, or a setting is out of range.
    public init(configuration: Configuration) throws {
        guard configuration.queueLimitBytes > 0 else {
            throw CaptureError.invalidConfiguration(path: configuration.path, reason: "queue limit must be positive")
        }
        if let rotate = configuration.rotateSizeBytes, rotate <= 0 {
            throw CaptureError.invalidConfiguration(path: configuration.path, reason: "rotation size must be positive")
        }
        guard configuration.flushIntervalNanoseconds > 0 else {
            throw CaptureError.invalidConfiguration(
                path: configuration.path, reason: "flush interval must be positive")
        }
        self.configuration = configuration
        let output = try CaptureFileOutput(
            path: configuration.path, recordUpstreamLeg: configuration.recordUpstreamLeg,
            sectionComment: configuration.sectionComment)
        let writer = CaptureFileWriter(
            output: output, recordUpstreamLeg: configuration.recordUpstreamLeg,
            rotateSizeBytes: configuration.rotateSizeBytes)
        shared.state.files = output.files
        shared.state.fileBytesWritten = output.totalBytesWritten
        let loop = WriterLoop(
            shared: shared, writer: writer, flushIntervalNanoseconds: configuration.flushIntervalNanoseconds,
            queueLimitBytes: configuration.queueLimitBytes, onWriteError: configuration.onWriteError)
        let thread = try CaptureSink.startThread(path: configuration.path) { loop.run() }
        self.lifecycle = NIOLockedValueBox((thread, nil))
    }

    deinit {
        _ = close()
    }

    /// Queues a record for the writer, without blocking.
    ///
    /// Control records (connected, finish, closed, notes and TLS key logs) are always queued: a key
    /// log is a few hundred bytes and without it the connection's recorded TLS cannot be decrypted,
    /// so a full queue never drops one. A `.data` record is dropped from the capture when the queue is
    /// full under `.drop`; any record is dropped after a write error or after `close()`.
    /// - Parameter record: the record; records of one connection must come in order.
    /// - Returns: `false` when the data was dropped (it is counted in `statistics`).
    @discardableResult
    public func submit(_ record: CaptureRecord) -> Bool {
        shared.condition.lock()
        if shared.state.closing || shared.state.writerFailed {
            shared.state.droppedRecords += 1
            if case .data(_, _, let payload, _) = record { shared.state.droppedBytes += payload.readableBytes }
            shared.condition.unlock()
            return false
        }
        let id = record.connection
        if case .data(_, let direction, let payload, _) = record {
            let size = payload.readableBytes
            if configuration.overflow == .drop && shared.state.queuedBytes > 0
                && shared.state.queuedBytes + size > configuration.queueLimitBytes
            {
                shared.state.droppedRecords += 1
                shared.state.droppedBytes += size
                var loss = shared.state.pendingLoss[id] ?? DirectionPair(repeating: DroppedData())
                loss[direction].records += 1
                loss[direction].bytes += size
                shared.state.pendingLoss[id] = loss
                shared.condition.unlock()
                return false
            }
            shared.state.queuedBytes += size
        }
        let queued = shared.state.queue.count
        if !shared.state.pendingLoss.isEmpty, let loss = shared.state.pendingLoss.removeValue(forKey: id) {
            for direction in Direction.allCases where loss[direction].records > 0 {
                shared.state.queue.append(
                    .loss(id, direction, records: loss[direction].records, bytes: loss[direction].bytes))
            }
        }
        shared.state.queue.append(.record(record))
        // What the writer waits for: something queued, or a batch's worth while it lets a trickle gather.
        let batch = WriterLoop.smallBatchRecords
        let wake = queued == 0 || (queued < batch && shared.state.queue.count >= batch)
        shared.condition.unlock()
        if wake { shared.condition.signal() }
        return true
    }

    /// Whether the queued payload has reached `queueLimitBytes`; under `.block` the proxy stops
    /// reading while this is true.
    public var isOverLimit: Bool {
        shared.condition.lock()
        defer { shared.condition.unlock() }
        return shared.state.queuedBytes >= configuration.queueLimitBytes
    }

    /// Calls `wake` once, from the writer thread, when the queued payload is below `queueLimitBytes`
    /// again: under `.block` a reader held by `isOverLimit` resumes then instead of polling.
    ///
    /// - Parameter wake: what resumes the reader; it should only hand the news to the reader's thread.
    /// - Returns: `false` when the queue is already below the limit (or the sink closed): `wake` is
    ///   not kept and the reader goes on now.
    public func whenBelowLimit(_ wake: @escaping @Sendable () -> Void) -> Bool {
        shared.condition.lock()
        defer { shared.condition.unlock() }
        guard shared.state.queuedBytes >= configuration.queueLimitBytes, !shared.state.closing else { return false }
        shared.state.belowLimitWaiters.append(wake)
        return true
    }

    /// Writes everything queued, completes the file with Interface Statistics Blocks, closes it and
    /// stops the writer thread. Records submitted afterwards are dropped. Safe to call more than once.
    ///
    /// - Returns: the final statistics.
    @discardableResult
    public func close() -> CaptureStatistics {
        lifecycle.withLockedValue { lifecycle in
            if let final = lifecycle.final { return final }
            shared.condition.lock()
            shared.state.closing = true
            shared.condition.unlock()
            shared.condition.signal()
            if let thread = lifecycle.thread {
                pthread_join(thread, nil)
                lifecycle.thread = nil
            }
            shared.condition.lock()
            let waiters = shared.state.belowLimitWaiters
            shared.state.belowLimitWaiters = []
            shared.condition.unlock()
            for wake in waiters { wake() }
            let result = statistics
            lifecycle.final = result
            return result
        }
    }

    /// What has been written and dropped so far.
    public var statistics: CaptureStatistics {
        shared.condition.lock()
        defer { shared.condition.unlock() }
        return CaptureStatistics(
            recordsWritten: shared.state.written.recordsWritten, packetsWritten: shared.state.packetsWritten,
            payloadBytesRecorded: shared.state.written.payloadBytesRecorded,
            droppedRecords: shared.state.droppedRecords + shared.state.written.droppedRecords,
            droppedBytes: shared.state.droppedBytes + shared.state.written.droppedBytes,
            fileBytesWritten: shared.state.fileBytesWritten, files: shared.state.files,
            writeError: shared.state.writeError)
    }

    // MARK: - Writer thread

    private static func startThread(path: String, _ body: @escaping @Sendable () -> Void) throws -> pthread_t {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body))
        #if canImport(Darwin)
            var thread: pthread_t? = nil
        #else
            var thread = pthread_t()
        #endif
        let result = pthread_create(
            &thread, nil,
            { argument in
                #if canImport(Darwin)
                    let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
                #else
                    let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
                #endif
                box.body()
                return nil
            }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw CaptureError.cannotWrite(path: path, errno: result)
        }
        #if canImport(Darwin)
            return thread!
        #else
            return thread
        #endif
    }
}
