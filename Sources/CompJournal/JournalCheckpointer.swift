import CSQLite
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CompThreads
import Dispatch

/// Copies the WAL into the database file on its own thread and connection, so the writer never
/// stalls on a checkpoint in the middle of a group commit.
///
/// A checkpoint writes every page the WAL holds into the database file and fsyncs it; run by the
/// writer (SQLite's auto-checkpoint) it blocked acknowledgements for 100 ms and more (seen as the
/// p99.9 of ack latency and dispatch lag in `compctl load`). PASSIVE checkpoints never take the
/// writer's lock. The writer's own auto-checkpoint stays as the fallback when the WAL outgrows
/// `Journal.checkpointPages` anyway.
///
/// `@unchecked Sendable`: `connection` is used only by the checkpoint thread; `running` is guarded
/// by `condition`.
public final class JournalCheckpointer: @unchecked Sendable {
    private let connection: Connection
    private let interval: TimeInterval
    private let condition = ThreadCondition()
    private var running = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    private let observe: @Sendable (Duration) -> Void

    /// Opens a second read-write connection to an existing journal file.
    ///
    /// - Parameters:
    ///   - path: the journal file (the writer must have created it).
    ///   - intervalMilliseconds: how often to checkpoint.
    ///   - observe: told how long each checkpoint took (for metrics), on the checkpoint thread.
    /// - Throws: `JournalError` when the file cannot be opened.
    public init(path: String, intervalMilliseconds: Int = 200,
                observe: @escaping @Sendable (Duration) -> Void = { _ in }) throws(JournalError) {
        self.observe = observe
        connection = try Connection(path: path, readOnly: false, create: false, busyTimeoutMilliseconds: 1000)
        interval = Double(max(10, intervalMilliseconds)) / 1000
        // Reading the header makes this connection a WAL participant (a checkpoint needs that).
        try connection.execute("PRAGMA journal_mode = WAL")
    }

    /// Starts the checkpoint thread.
    public func start() {
        condition.withLock {
            running = true
            started = true
        }
        OwnThread.start(name: "compd-checkpoint") { [self] in
            run()
            finished.signal()
        }
    }

    /// Stops the thread after one last checkpoint; returns when it has stopped.
    public func stop() {
        let wasStarted = condition.withLock {
            running = false
            condition.signal()
            return started
        }
        if wasStarted { finished.wait() }
    }

    /// One PASSIVE checkpoint now; returns the WAL frames and how many of them are in the database.
    @discardableResult
    public func checkpoint() -> (walFrames: Int32, copied: Int32) {
        var frames: Int32 = 0
        var copied: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
        return rc == SQLITE_OK ? (frames, copied) : (-1, -1)
    }

    private func run() {
        while true {
            let keepGoing = condition.withLock {
                if running { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
                return running
            }
            let started = ContinuousClock.now
            checkpoint()
            observe(ContinuousClock.now - started)
            if !keepGoing {
                connection.close()
                return
            }
        }
    }
}
