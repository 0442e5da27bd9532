import Dispatch
import Synchronization

/// The journal's last committed seq, and a way to wait for it to move: what readers of the journal that
/// follow it (notifiers) wake on instead of polling.
///
/// The core calls `committed(_:)` after every group commit: one atomic store, and a lock only while
/// someone waits. Waiters are either async (`waitBeyond(_:timeout:)`) or a thread of their own
/// (`blockingWaitBeyond(_:timeout:)`).
public final class CommitSignal: Sendable {
    private let seq: Atomic<Int64>
    private let hasWaiters = Atomic<Bool>(false)
    private let waiters = Mutex(Waiters())
    private let nextId = Atomic<UInt64>(0)

    private enum Waiter {
        case task(CheckedContinuation<Void, Never>)
        case thread(DispatchSemaphore)

        func wake() {
            switch self {
            case .task(let continuation): continuation.resume()
            case .thread(let semaphore): semaphore.signal()
            }
        }
    }

    private struct Waiters {
        var byId: [UInt64: Waiter] = [:]
    }

    /// A signal whose last committed seq is `seq` (the journal's head when the broker starts).
    public init(seq: Int64 = 0) {
        self.seq = Atomic(seq)
    }

    private let opened = Atomic<Int64>(-1)

    /// The last committed journal seq.
    public var committedSeq: Int64 { seq.load(ordering: .sequentiallyConsistent) }

    /// The journal's head when the broker opened it, before it served any request; nil until then. A
    /// follower that starts fresh (no stored position) starts there, so it misses nothing the broker
    /// acknowledged while the follower was starting.
    public var openedSeq: Int64? {
        let value = opened.load(ordering: .sequentiallyConsistent)
        return value < 0 ? nil : value
    }

    /// Records the journal's head at open (the core, before it takes any work).
    func journalOpened(headSeq: Int64) {
        opened.store(headSeq, ordering: .sequentiallyConsistent)
        committed(headSeq)
    }

    /// Records that the journal's head is now `newSeq` and wakes every waiter. Called by the core after a commit.
    func committed(_ newSeq: Int64) {
        guard newSeq > seq.load(ordering: .relaxed) else { return }
        seq.store(newSeq, ordering: .sequentiallyConsistent)
        // A waiter sets `hasWaiters` before it reads `seq` (both sequentially consistent), so either it sees
        // the new seq or this sees it waiting.
        guard hasWaiters.load(ordering: .sequentiallyConsistent) else { return }
        let woken = waiters.withLock { waiters -> [Waiter] in
            let all = Array(waiters.byId.values)
            waiters.byId.removeAll()
            hasWaiters.store(false, ordering: .sequentiallyConsistent)
            return all
        }
        for waiter in woken { waiter.wake() }
    }

    /// Returns once the committed seq is above `seq`, or after `timeout`, or at once when it already is.
    public func waitBeyond(_ seq: Int64, timeout: Duration) async {
        let id = nextId.add(1, ordering: .relaxed).newValue
        var timer: Task<Void, Never>?
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            guard register(id, .task(continuation), beyond: seq) else { return continuation.resume() }
            timer = Task { [self] in
                do { try await Task.sleep(for: timeout) } catch { return }  // cancelled: a commit woke the waiter
                wake(id)
            }
        }
        // Woken by a commit: the timer is no longer needed (a follower caught up in a storm waits once per
        // commit, and each timer would otherwise sleep out its whole timeout).
        timer?.cancel()
    }

    /// The same as `waitBeyond(_:timeout:)`, blocking the calling thread (never call it on the cooperative pool).
    public func blockingWaitBeyond(_ seq: Int64, timeout: Duration) {
        let id = nextId.add(1, ordering: .relaxed).newValue
        let semaphore = DispatchSemaphore(value: 0)
        guard register(id, .thread(semaphore), beyond: seq) else { return }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = max(0, seconds) * 1_000_000_000 + attoseconds / 1_000_000_000
        if semaphore.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds))) == .timedOut {
            // Woken by nobody: take it out, unless a commit took it out meanwhile (then it signalled; consume it).
            let removed = waiters.withLock { $0.byId.removeValue(forKey: id) != nil }
            if !removed { semaphore.wait() }
        }
    }

    /// Adds a waiter unless the seq is already beyond `seq`; false when it is (the caller returns at once).
    private func register(_ id: UInt64, _ waiter: Waiter, beyond seq: Int64) -> Bool {
        waiters.withLock { waiters in
            hasWaiters.store(true, ordering: .sequentiallyConsistent)
            guard self.seq.load(ordering: .sequentiallyConsistent) <= seq else { return false }
            waiters.byId[id] = waiter
            return true
        }
    }

    /// Wakes the waiter `id` if it still waits (its timeout ran out).
    private func wake(_ id: UInt64) {
        waiters.withLock { $0.byId.removeValue(forKey: id) }?.wake()
    }
}
