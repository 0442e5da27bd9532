import CompJournal
import Foundation
import Synchronization

/// What the reading thread owns: the journal's change reader and the cursor file, both SQLite
/// connections confined to that one thread. Not `Sendable`; jobs receive it on the thread.
final class ReadingResources {
    /// Reads journal rows after a seq, replayed into changes: the notifiers' reading, always forward.
    let reader: ChangeReader
    /// The notifiers' durable cursors.
    let cursors: CursorStore
    private let journalPath: String
    private var probe: ChangeReader?

    init(journalPath: String, cursorPath: String) throws(JournalError) {
        reader = try ChangeReader(path: journalPath)
        cursors = try CursorStore(path: cursorPath)
        self.journalPath = journalPath
    }

    /// Whether journal row `seq` is gone (pruned by retention). Read with a reader of its own, opened on
    /// first use: going back to an old row must not disturb the forward reader's cache of states.
    func isPruned(_ seq: Int64) throws(JournalError) -> Bool {
        let probe: ChangeReader
        if let opened = self.probe {
            probe = opened
        } else {
            probe = try ChangeReader(path: journalPath, cacheLimit: 1)
            self.probe = probe
        }
        let batch = try probe.changes(after: seq - 1, limit: 1)
        return batch.prunedRows > 0 && !batch.changes.contains { $0.seq == seq }
    }

    /// Closes the connections.
    func close() {
        reader.close()
        probe?.close()
    }
}

/// A thread of its own for the notifier service's SQLite calls, so that they never block Swift's
/// cooperative pool: jobs run one at a time, in order, each handed the thread's `ReadingResources`;
/// `perform` suspends the caller until its job is done.
final class ReadingThread: Sendable {
    typealias Job = @Sendable (Result<ReadingResources, JournalError>) -> Void

    private struct Queue {
        var jobs: [Job] = []
        var stopping = false
    }

    private let queue = Mutex(Queue())
    private let wakeup = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts the thread; it opens its resources with `open` first. When that fails, every `perform`
    /// throws `open`'s error.
    ///
    /// - Parameter open: makes the resources, on the thread.
    init(open: @escaping @Sendable () throws(JournalError) -> ReadingResources) {
        let thread = Thread { [self] in
            let resources: Result<ReadingResources, JournalError>
            do throws(JournalError) {
                resources = .success(try open())
            } catch {
                resources = .failure(error)
            }
            while true {
                wakeup.wait()
                let (jobs, stopping) = queue.withLock { queue in
                    defer { queue.jobs.removeAll() }
                    return (queue.jobs, queue.stopping)
                }
                for job in jobs { job(resources) }
                if stopping { break }
            }
            if case .success(let opened) = resources { opened.close() }
            finished.signal()
        }
        thread.name = "compd-notify"
        thread.start()
    }

    /// Runs `body` on the thread and returns what it returns.
    ///
    /// - Throws: what `body` throws, the error that opening the resources threw, or `JournalError` (misuse)
    ///   when the thread has stopped.
    func perform<Value: Sendable>(
        _ body: @escaping @Sendable (ReadingResources) throws(JournalError) -> Value
    ) async throws(JournalError) -> Value {
        let result: Result<Value, JournalError> = await withCheckedContinuation { continuation in
            let accepted = queue.withLock { queue -> Bool in
                guard !queue.stopping else { return false }
                queue.jobs.append { resources in
                    do throws(JournalError) {
                        continuation.resume(returning: .success(try body(try resources.get())))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
                return true
            }
            if accepted {
                wakeup.signal()
            } else {
                continuation.resume(returning: .failure(JournalError(code: 21 /* SQLITE_MISUSE */, message: "the notifier's reading thread has stopped")))
            }
        }
        return try result.get()
    }

    /// Runs what is queued, closes the resources and ends the thread; waits for it (call off the pool).
    func stop() {
        let first = queue.withLock { queue -> Bool in
            defer { queue.stopping = true }
            return !queue.stopping
        }
        guard first else { return }
        wakeup.signal()
        finished.wait()
    }
}
