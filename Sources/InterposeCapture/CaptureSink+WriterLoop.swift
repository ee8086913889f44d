import InterposeCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension CaptureSink {
    /// The body of the writer thread: takes the whole queue at once, writes it, flushes on time and
    /// at connection ends, publishes its counters, and completes the file when the sink closes.
    final class WriterLoop: @unchecked Sendable {
        /// Release this many processed payload bytes from the queue budget at a time within a batch.
        static let releaseEveryBytes = 4 << 20
        /// A batch this short means the writer keeps up easily; it lets the next gather for up to
        /// `gatherNanoseconds` (woken early by the record that makes a batch this long, or the close).
        static let smallBatchRecords = 64
        static let gatherNanoseconds: Int64 = 1_000_000

        private let shared: Shared
        private let writer: CaptureFileWriter
        private let flushIntervalNanoseconds: Int64
        private let queueLimitBytes: Int
        private let onWriteError: (@Sendable (String) -> Void)?

        init(
            shared: Shared, writer: CaptureFileWriter, flushIntervalNanoseconds: Int64, queueLimitBytes: Int,
            onWriteError: (@Sendable (String) -> Void)?
        ) {
            self.shared = shared
            self.writer = writer
            self.flushIntervalNanoseconds = flushIntervalNanoseconds
            self.queueLimitBytes = queueLimitBytes
            self.onWriteError = onWriteError
        }

        /// Runs until the sink closes and the queue is empty.
        func run() {
            var batch: [CaptureQueueItem] = []
            batch.reserveCapacity(4096)
            let placeholder = CaptureQueueItem.loss(ConnectionID(0), .clientToServer, records: 0, bytes: 0)
            while true {
                shared.condition.lock()
                let ready = shared.condition.wait(timeoutNanoseconds: waitNanoseconds()) {
                    !shared.state.queue.isEmpty || shared.state.closing
                }
                guard ready else {
                    shared.condition.unlock()
                    if flushIsDue() { writer.flush() }
                    publish(releasing: 0)
                    continue
                }
                swap(&batch, &shared.state.queue)
                let closing = shared.state.closing
                shared.condition.unlock()
                if batch.isEmpty && closing { break }

                var processedBytes = 0
                for index in batch.indices {
                    let item = batch[index]
                    if case .record(.data(_, _, let payload, _)) = item {
                        processedBytes += payload.readableBytes
                        // Let go of the payload now: the queue budget counts memory held.
                        batch[index] = placeholder
                    }
                    writer.write(item)
                    if processedBytes >= WriterLoop.releaseEveryBytes {
                        publish(releasing: processedBytes)
                        processedBytes = 0
                    }
                }
                let wasSmall = batch.count < WriterLoop.smallBatchRecords
                batch.removeAll(keepingCapacity: true)
                if writer.closedSinceFlush || flushIsDue() { writer.flush() }
                publish(releasing: processedBytes)
                // Under a trickle of small records, let them gather instead of waking for each one:
                // at most about a thousand wake-ups a second, for no more than a millisecond of delay;
                // a batch's worth, or the close, ends the wait at once.
                if wasSmall && !closing { gather() }
            }
            writer.flush()
            shared.condition.lock()
            let loss = (
                records: shared.state.droppedRecords + writer.counters.droppedRecords,
                bytes: shared.state.droppedBytes + writer.counters.droppedBytes
            )
            shared.condition.unlock()
            writer.finish(totalLoss: loss)
            publish(releasing: 0)
        }

        /// Waits up to `gatherNanoseconds` for a batch's worth of records or the close.
        private func gather() {
            shared.condition.lock()
            _ = shared.condition.wait(timeoutNanoseconds: WriterLoop.gatherNanoseconds) {
                shared.state.queue.count >= WriterLoop.smallBatchRecords || shared.state.closing
            }
            shared.condition.unlock()
        }

        private func waitNanoseconds() -> Int64 {
            guard writer.output.hasBufferedBytes else { return flushIntervalNanoseconds }
            let due = writer.output.lastFlushNanoseconds + flushIntervalNanoseconds
            return max(500_000, due - writer.output.nowNanoseconds())
        }

        private func flushIsDue() -> Bool {
            writer.output.hasBufferedBytes
                && writer.output.nowNanoseconds() - writer.output.lastFlushNanoseconds >= flushIntervalNanoseconds
        }

        /// Returns `bytes` to the queue budget, publishes the writer's counters, and wakes the readers
        /// that wait for the queue to go below its limit.
        private func publish(releasing bytes: Int) {
            let output = writer.output
            shared.condition.lock()
            shared.state.queuedBytes -= bytes
            shared.state.written = writer.counters
            shared.state.packetsWritten = output.packetsWritten
            shared.state.fileBytesWritten = output.totalBytesWritten
            if shared.state.files.count != output.files.count { shared.state.files = output.files }
            var failure: String?
            if let error = output.writeError, shared.state.writeError == nil {
                shared.state.writeError = error.description
                shared.state.writerFailed = true
                failure = error.description
            }
            var waiters: [@Sendable () -> Void] = []
            if shared.state.queuedBytes < queueLimitBytes && !shared.state.belowLimitWaiters.isEmpty {
                swap(&waiters, &shared.state.belowLimitWaiters)
            }
            shared.condition.unlock()
            for wake in waiters { wake() }
            if let failure, let onWriteError { onWriteError(failure) }
        }
    }
}
