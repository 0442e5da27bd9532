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
/// Even on its own thread a checkpoint delays the writer's commits: its writes and its fsync of the database
/// file share the disk with the WAL's fsync. Small checkpoints delay them little, so while the WAL grows the
/// thread checkpoints every 2 ms (`CheckpointPacer`); idle, it backs off to the interval. Measured side by
/// side at 75k new failures/s (half the max rate), p99 ack latency: 23-30 ms with a checkpoint every 200 ms,
/// 4-80 ms every 10 ms while busy, 2.3-3.2 ms every 2 ms.
///
/// `@unchecked Sendable`: `connection` is used only by the checkpoint thread; `running` is guarded
/// by `condition`.
public final class JournalCheckpointer: @unchecked Sendable {
    private let connection: Connection
    private let pacer: CheckpointPacer
    private let condition = ThreadCondition()
    private var running = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    private let observe: @Sendable (Duration) -> Void

    /// Opens a second read-write connection to an existing journal file.
    ///
    /// - Parameters:
    ///   - path: the journal file (the writer must have created it).
    ///   - intervalMilliseconds: how often to checkpoint when the WAL does not grow (at least 10).
    ///   - busyIntervalMilliseconds: how often while it grows (at least 1, at most `intervalMilliseconds`).
    ///   - observe: told how long each checkpoint took (for metrics), on the checkpoint thread.
    /// - Throws: `JournalError` when the file cannot be opened.
    public init(path: String, intervalMilliseconds: Int = 200, busyIntervalMilliseconds: Int = 2,
                observe: @escaping @Sendable (Duration) -> Void = { _ in }) throws(JournalError) {
        self.observe = observe
        connection = try Connection(
            path: path, readOnly: false, create: false, busyTimeoutMilliseconds: 1000, combining: .database)
        pacer = CheckpointPacer(idleMilliseconds: intervalMilliseconds, busyMilliseconds: busyIntervalMilliseconds)
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
        var pacer = self.pacer
        var wait = pacer.idleMilliseconds
        while true {
            let keepGoing = condition.withLock {
                if running { _ = condition.wait(until: Date().addingTimeInterval(Double(wait) / 1000)) }
                return running
            }
            let started = ContinuousClock.now
            let (frames, _) = checkpoint()
            observe(ContinuousClock.now - started)
            wait = pacer.next(walFrames: frames)
            if !keepGoing {
                connection.close()
                return
            }
        }
    }
}

/// When the checkpoint thread checkpoints next: soon while the WAL grows, so each checkpoint copies little;
/// backing off by doubling to the idle interval once it stops (an idle broker wakes five times a second).
/// A value: the thread feeds it each checkpoint's WAL size and sleeps what it returns.
public struct CheckpointPacer: Sendable, Equatable {
    /// The wait when the WAL has not changed, in ms.
    public let idleMilliseconds: Int
    /// The wait while the WAL changes, in ms.
    public let busyMilliseconds: Int
    private var lastFrames: Int32 = 0
    private var wait: Int

    public init(idleMilliseconds: Int, busyMilliseconds: Int) {
        self.idleMilliseconds = max(10, idleMilliseconds)
        self.busyMilliseconds = min(self.idleMilliseconds, max(1, busyMilliseconds))
        wait = self.idleMilliseconds
    }

    /// The wait before the next checkpoint, given the WAL frames the one just run reported (-1 when it
    /// failed). A WAL that grew, or restarted from its beginning, changed.
    public mutating func next(walFrames: Int32) -> Int {
        if walFrames >= 0, walFrames != lastFrames {
            wait = busyMilliseconds
        } else {
            wait = min(idleMilliseconds, wait * 2)
        }
        lastFrames = max(0, walFrames)
        return wait
    }
}
