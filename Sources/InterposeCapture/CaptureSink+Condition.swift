#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension CaptureSink {
    /// A mutex and its condition variable (on the monotonic clock), for the sink's shared state: the
    /// writer waits for what it needs (records queued, a batch's worth, the close), and submitters
    /// signal only when their record may be what it waits for, so a trickle of records does not wake
    /// it once per record.
    final class Condition: @unchecked Sendable {
        private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init() {
            pthread_mutex_init(mutex, nil)
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(condition, &attributes)
            pthread_condattr_destroy(&attributes)
        }

        deinit {
            pthread_cond_destroy(condition)
            pthread_mutex_destroy(mutex)
            condition.deallocate()
            mutex.deallocate()
        }

        func lock() {
            pthread_mutex_lock(mutex)
        }

        func unlock() {
            pthread_mutex_unlock(mutex)
        }

        /// Wakes the waiting writer, if any, to look at its condition again.
        func signal() {
            pthread_cond_signal(condition)
        }

        /// With the lock held: waits, the lock released meanwhile, until `ready()` or until
        /// `timeoutNanoseconds` passed. The lock is held again on return.
        /// - Returns: `ready()` at the end.
        func wait(timeoutNanoseconds: Int64, until ready: () -> Bool) -> Bool {
            if ready() { return true }
            var deadline = timespec()
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let total = Int64(deadline.tv_nsec) + max(0, timeoutNanoseconds)
            deadline.tv_sec += Int(total / 1_000_000_000)
            deadline.tv_nsec = Int(total % 1_000_000_000)
            while !ready() {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return ready() }
            }
            return true
        }
    }
}
