import DequeModule
import Dispatch
import Synchronization

/// The queue between the threads that submit work and the core thread: a `Deque` behind a `Mutex`,
/// bounded by the records it holds, and a semaphore that wakes the core when work arrives.
final class Inbox: Sendable {
    private struct State {
        var queue = Deque<CoreWork>()
        var records = 0
        var closed = false
        var sleeping = false
    }

    /// The most records queued before new batches are refused with `overloaded`.
    let maxQueuedRecords: Int
    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)

    init(maxQueuedRecords: Int = 100_000) { self.maxQueuedRecords = maxQueuedRecords }

    /// Queues `work`; returns why it was refused (and queues nothing) when full or closed.
    func push(_ work: CoreWork) -> CoreError? {
        let (refusal, wake) = state.withLock { state -> (CoreError?, Bool) in
            guard !state.closed else { return (.shuttingDown, false) }
            let records = work.recordCount
            if records > 0, state.records + records > maxQueuedRecords { return (.overloaded, false) }
            state.queue.append(work)
            state.records += records
            let wake = state.sleeping
            state.sleeping = false
            return (nil, wake)
        }
        if wake { wakeup.signal() }
        return refusal
    }

    /// Records queued now.
    var queuedRecords: Int { state.withLock { $0.records } }

    /// Takes work from the front: at least one item if any, then more while the records stay within
    /// `maxRecords`. `finished` is true when the inbox is closed and now empty.
    func take(maxRecords: Int) -> (batch: [CoreWork], finished: Bool) {
        state.withLock { state in
            var batch: [CoreWork] = []
            var records = 0
            while let first = state.queue.first, batch.isEmpty || records + first.recordCount <= maxRecords {
                batch.append(first)
                state.queue.removeFirst()
                records += first.recordCount
            }
            state.records -= records
            return (batch, state.closed && state.queue.isEmpty)
        }
    }

    /// Sleeps until work arrives, the inbox closes or the monotonic clock reaches `deadline` (ms).
    func wait(until deadline: Int64) {
        let idle = state.withLock { state in
            let idle = state.queue.isEmpty && !state.closed
            state.sleeping = idle
            return idle
        }
        guard idle else { return }
        let nanoseconds = UInt64(clamping: max(0, deadline)).multipliedReportingOverflow(by: 1_000_000)
        _ = wakeup.wait(timeout: nanoseconds.overflow ? .distantFuture : DispatchTime(uptimeNanoseconds: nanoseconds.partialValue))
        state.withLock { $0.sleeping = false }
    }

    /// Refuses new work from now on and wakes the core so it can finish what is queued.
    func close() {
        state.withLock { state in
            state.closed = true
            state.sleeping = false
        }
        wakeup.signal()
    }
}
