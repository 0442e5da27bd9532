import CompJournal
import CompThreads
import Dispatch
import Synchronization

/// What the core lets out of the process (replies, fetch answers, events, the commit signal) held back
/// until the commits it depends on are durable, then let out in the order the core staged it, on a
/// thread of its own.
///
/// The core stages effects while it works through one pass (`stage`, or the completions `deferring`
/// wraps) and posts them when the pass ends (`post`), saying whether the pass committed. The outbox
/// thread takes every post waiting, makes the journal durable once for all of them that committed
/// (`WALSync` with `--sync full`), then runs their effects in order. So the core applies the next
/// group while the disk flushes the previous one, several passes share one flush, and encoding and
/// sending replies leave the core thread. An acknowledgement still means durable: nothing a commit
/// decided is sent before the flush that covers it returns.
///
/// When a flush fails, the effects waiting on it are failed instead (`storage_failure`: resend later),
/// then `failed` is told (compd stops there: see `Broker`); without a stop, the next post's flush tries again.
final class DurableOutbox: Sendable {
    /// One effect, and what to do instead when the flush it waits for failed.
    struct Effect: Sendable {
        var run: @Sendable () -> Void
        var fail: @Sendable (_ reason: String) -> Void
    }

    private struct Post {
        var effects: [Effect]
        var needsFlush: Bool
    }

    private struct State {
        var staged: [Effect] = []
        var posts: [Post] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let started = Mutex(false)

    /// Makes the journal durable; nil when commits need no flush (`--sync normal`, or SQLite's own FULL).
    private let flush: (@Sendable () throws -> Void)?
    /// Told how long each flush took.
    private let observe: @Sendable (_ nanoseconds: UInt64) -> Void
    /// Told about each failed flush.
    private let failed: @Sendable (_ reason: String) -> Void

    /// - Parameters:
    ///   - flush: makes every commit before the call durable, on the outbox thread; nil when none is needed.
    ///   - observe: how long each flush took, in nanoseconds.
    ///   - failed: a flush failed; called after its effects were failed with the reason.
    init(flush: (@Sendable () throws -> Void)?, observe: @escaping @Sendable (UInt64) -> Void = { _ in },
         failed: @escaping @Sendable (String) -> Void = { _ in }) {
        self.flush = flush
        self.observe = observe
        self.failed = failed
    }

    /// An outbox that flushes the journal at `databasePath` through its own `WALSync`.
    static func syncingWAL(databasePath: String, observe: @escaping @Sendable (UInt64) -> Void,
                           failed: @escaping @Sendable (String) -> Void) -> DurableOutbox {
        let wal = Mutex(WALSync(databasePath: databasePath))  // used by the outbox thread only
        return DurableOutbox(flush: { try wal.withLock { try $0.sync() } }, observe: observe, failed: failed)
    }

    /// Starts the outbox thread.
    func start() {
        let first = started.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        OwnThread.start(name: "compd-outbox") { [self] in
            run()
            finished.signal()
        }
    }

    /// Holds `effect` until the current pass is posted and, if it committed, flushed.
    func stage(_ effect: Effect) {
        state.withLock { $0.staged.append(effect) }
    }

    /// Holds `work` (no failure counterpart: an event or a signal is dropped when its flush fails).
    func stage(_ work: @escaping @Sendable () -> Void) {
        stage(Effect(run: work, fail: { _ in }))
    }

    /// `done`, answered through the outbox: a failed flush answers it `storageFailure` instead.
    func deferring<Value: Sendable>(_ done: @escaping Completion<Value>) -> Completion<Value> {
        { [self] result in
            stage(Effect(run: { done(result) }, fail: { done(.failure(.storageFailure($0))) }))
        }
    }

    /// Ends a pass: what it staged goes out after a flush when `committed` (and the outbox flushes),
    /// else after whatever was posted before it.
    func post(committed: Bool) {
        let wake = state.withLock { state -> Bool in
            guard !state.staged.isEmpty else { return false }
            state.posts.append(Post(effects: state.staged, needsFlush: committed && flush != nil))
            state.staged.removeAll(keepingCapacity: true)
            return true
        }
        if wake { wakeup.signal() }
    }

    /// Posts what is staged, lets the thread send everything, and stops it; returns once it has.
    func finish() {
        post(committed: true)
        state.withLock { $0.closed = true }
        wakeup.signal()
        if started.withLock({ $0 }) {
            finished.wait()
        } else {
            drain()  // never started (a broker that failed to start): send on this thread
        }
    }

    private func run() {
        while true {
            wakeup.wait()
            let closed = state.withLock { $0.closed }
            drain()
            if closed { return }
        }
    }

    /// Takes every post waiting, flushes once if any needs it, and runs (or fails) their effects in order.
    private func drain() {
        while true {
            let posts = state.withLock { state -> [Post] in
                defer { state.posts.removeAll(keepingCapacity: true) }
                return state.posts
            }
            guard !posts.isEmpty else { return }
            var failure: String?
            if let flush, posts.contains(where: \.needsFlush) {
                let begun = DispatchTime.now().uptimeNanoseconds
                do {
                    try flush()
                    observe(DispatchTime.now().uptimeNanoseconds &- begun)
                } catch {
                    failure = "the journal could not be flushed to disk: \(error)"
                }
            }
            for post in posts {
                for effect in post.effects {
                    if let failure, post.needsFlush { effect.fail(failure) } else { effect.run() }
                }
            }
            if let failure { failed(failure) }  // after the answers it failed went out
        }
    }
}
