import CompBroker
import CompJournal
import CompModel
import Foundation
import Logging
import Synchronization

/// compd's notifiers at run time: for each configured notifier a `NotifierMachine` fed from the
/// journal (the outbox: every state change is already a journal row), an in-order sender, its durable
/// cursor in `DATA/notify.sqlite`, metrics, and the status `compctl notifications` shows.
///
/// Made before the broker (it is the broker's `NotifierStatusSource`); `service(commits:)` makes the
/// `Service` that runs it once the broker's commit signal exists.
public final class NotificationDelivery: Sendable {
    /// The notifiers, in configuration order.
    let outboxes: [NotifierOutbox]
    let journalPath: String
    let cursorPath: String
    let consoleURL: String
    let logger: Logger
    /// The journal head last seen (for the status).
    let head = Atomic<Int64>(0)

    /// Rows read per batch.
    static let batchLimit = 1000
    /// The longest the reading loop sleeps without a commit (it also refreshes the lag gauges then).
    static let idleWake = Duration.seconds(1)
    /// How often reading looks again while a notifier is held back by its pending limit.
    static let fullWake = Duration.milliseconds(200)
    /// The least time between two writes of the cursor file.
    static let cursorInterval = Duration.milliseconds(200)
    /// While rows keep coming, the least time between a read that reached the head and the next read: a storm's
    /// rows are read a few hundred at a time instead of once per commit (each read costs a read transaction's
    /// locks, two thread hops and a wait with a timer), and notifications go out at most this much later.
    static let coalescing = Duration.milliseconds(50)
    /// The shortest wait for a window's close, in ms (so that the loop never spins).
    static let minimumWait: Int64 = 20
    /// How long shutdown waits for requests in flight.
    static let shutdownGrace = Duration.seconds(2)

    /// Prepares the notifiers; nothing is opened or sent until the service runs.
    ///
    /// - Parameters:
    ///   - notifiers: the notifiers (names unique; compd refuses duplicates).
    ///   - dataDirectory: compd's data directory (`notify.sqlite` goes there).
    ///   - journalPath: the journal file (read with a connection of the notifier's own).
    ///   - consoleURL: the console's base URL for links (`--console-url`, else `http://<the --http
    ///     address>`); empty when there is none (links are then left out).
    ///   - logger: where failures and recoveries are logged.
    public init(notifiers: [NotifierConfig], dataDirectory: String, journalPath: String, consoleURL: String,
                logger: Logger) {
        outboxes = notifiers.map(NotifierOutbox.init(config:))
        self.journalPath = journalPath
        cursorPath = URL(fileURLWithPath: dataDirectory).appendingPathComponent("notify.sqlite").path
        self.consoleURL = consoleURL
        self.logger = logger
    }

    /// The service that reads the journal and sends, woken by `commits`.
    public func service(commits: CommitSignal) -> NotifierService {
        NotifierService(delivery: self, commits: commits)
    }

    /// Runs until the task is cancelled or `stop` is set: see `NotifierService`.
    func run(commits: CommitSignal, until shutdown: @Sendable () async -> Void) async throws {
        let feed = ReadingThread { [journalPath, cursorPath] () throws(JournalError) in
            try ReadingResources(journalPath: journalPath, cursorPath: cursorPath)
        }
        do {
            try await serve(feed, commits: commits, until: shutdown)
        } catch {
            await Self.stop(feed)
            throw error
        }
        await Self.stop(feed)
    }

    /// Starts the notifiers on `feed`, serves until `shutdown` returns, then stops them.
    private func serve(_ feed: ReadingThread, commits: CommitSignal, until shutdown: @Sendable () async -> Void)
        async throws(JournalError)
    {
        let startHead = try await start(feed, openedSeq: commits.openedSeq)
        head.store(max(startHead, commits.committedSeq), ordering: .relaxed)
        let poster = NotificationPoster(userAgent: "compd")
        let (cursorSignals, cursorSignal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let metrics = outboxes.map { NotifierMetrics(notifier: $0.config.name) }
        let senders = zip(outboxes, metrics).map { outbox, metrics in
            let sender = NotifierSender(outbox: outbox, poster: poster, metrics: metrics, feed: feed,
                                        consoleURL: consoleURL, logger: logger, settled: { cursorSignal.yield() })
            return Task { await sender.run() }
        }
        let cursorTask = Task { await writeCursors(feed, signals: cursorSignals) }
        let readTask = Task {
            await readLoop(feed, commits: commits, startHead: startHead, metrics: metrics) { cursorSignal.yield() }
        }

        await shutdown()

        // Stop reading, give requests in flight up to 2 s, then stop the senders and write the cursors.
        readTask.cancel()
        await readTask.value
        for outbox in outboxes { outbox.close() }
        let deadline = ContinuousClock.now + Self.shutdownGrace
        while outboxes.contains(where: \.isInFlight), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for sender in senders { sender.cancel() }
        for sender in senders { await sender.value }
        cursorSignal.finish()
        await cursorTask.value
        await flushCursors(feed)
        await poster.shutdown()
        logger.info("notifiers stopped", metadata: ["cursors": "\(cursorSummary)"])
    }

    /// Reads the stored cursors and the journal head; a notifier without a cursor starts at the head the
    /// journal had when the broker opened it (`openedSeq`, before any request was served, so nothing
    /// acknowledged while the notifiers were starting is skipped; the head read now when it is unknown): it
    /// does not replay history, and that cursor is written before anything is read.
    ///
    /// - Returns: the journal head.
    private func start(_ feed: ReadingThread, openedSeq: Int64?) async throws(JournalError) -> Int64 {
        let names = outboxes.map(\.config.name)
        let now = WallClock.now().milliseconds
        let (stored, head, fresh) = try await feed.perform { resources throws(JournalError) in
            let stored = try resources.cursors.cursors()
            let head = try resources.reader.headSeq()
            var fresh: [String: Int64] = [:]
            for name in names where stored[name] == nil { fresh[name] = min(openedSeq ?? head, head) }
            try resources.cursors.write(fresh, at: now)
            return (stored, head, fresh)
        }
        let starts = stored.merging(fresh) { old, _ in old }
        for outbox in outboxes { outbox.start(cursor: starts[outbox.config.name] ?? head) }
        logger.info("notifiers started", metadata: [
            "notifiers": "\(outboxes.map { "\($0.config.name) (\($0.config.kind.rawValue)) from seq \(starts[$0.config.name] ?? head)" }.joined(separator: ", "))",
            "head": "\(head)",
        ])
        return head
    }

    /// Reads new journal rows for every notifier that may read, and waits for the next commit or window
    /// close. Notifiers at the same position share a read. A notifier that has read every committed row is
    /// given the empty batch a read would return: that tells its machine it is caught up, so windows whose
    /// time is over close (their digests go out).
    private func readLoop(_ feed: ReadingThread, commits: CommitSignal, startHead: Int64, metrics: [NotifierMetrics],
                          moved: @Sendable () -> Void) async {
        var errors = FailureLogGate()
        while !Task.isCancelled {
            let target = max(startHead, commits.committedSeq)
            head.store(target, ordering: .relaxed)
            var groups: [Int64: [Int]] = [:]
            for (index, outbox) in outboxes.enumerated() {
                if let position = outbox.readPosition { groups[position, default: []].append(index) }
            }
            var again = false
            var behind = false
            var failed = false
            for (position, members) in groups.sorted(by: { $0.key < $1.key }) {
                let batch: ChangeBatch
                if position >= target {
                    batch = ChangeBatch(changes: [], lastSeq: position, prunedRows: 0)
                } else {
                    do {
                        batch = try await feed.perform { resources throws(JournalError) in
                            try resources.reader.changes(after: position, limit: Self.batchLimit)
                        }
                    } catch {
                        failed = true
                        logReadFailure(error, gate: &errors)
                        break
                    }
                }
                let now = WallClock.now()
                for index in members {
                    outboxes[index].read(batch, now: now)
                    if batch.prunedRows > 0 { pruned(batch, outbox: outboxes[index], metrics: metrics[index]) }
                }
                // Rows came: read again (more may follow, and an empty read then tells the machines they are
                // caught up), at once when this read was full, else after `coalescing`.
                if batch.lastSeq > position { again = true }
                // A full batch: more rows wait already.
                if batch.lastSeq - position >= Self.batchLimit { behind = true }
            }
            let now = WallClock.now()
            for outbox in outboxes { outbox.tick(now: now) }
            if !failed, let streak = errors.recovered(now: now) {
                logger.info("notifiers read the journal again", metadata: ["failures": "\(streak.failures)"])
            }
            moved()
            for (outbox, metrics) in zip(outboxes, metrics) {
                let oldest = outbox.snapshot.oldestPending
                metrics.setLag(seconds: oldest.map { Double(max(0, now.since($0).milliseconds)) / 1000 } ?? 0)
            }
            if failed {
                try? await Task.sleep(for: Self.idleWake)
                continue
            }
            if again {
                if !behind { try? await Task.sleep(for: Self.coalescing) }
                continue
            }
            var timeout = Self.idleWake
            if outboxes.contains(where: \.isFull) { timeout = min(timeout, Self.fullWake) }
            if let wake = outboxes.filter({ $0.readPosition != nil }).compactMap(\.nextWake).min() {
                // At least a few ms: a window closes only on the read after its time is over.
                timeout = min(timeout, .milliseconds(max(Self.minimumWait, wake.since(WallClock.now()).milliseconds)))
            }
            await commits.waitBeyond(target, timeout: timeout)
        }
    }

    /// Counts and logs rows that were pruned before a notifier read them.
    private func pruned(_ batch: ChangeBatch, outbox: NotifierOutbox, metrics: NotifierMetrics) {
        outbox.countPruned(batch.prunedRows)
        metrics.countPruned(batch.prunedRows)
        logger.warning("notifier fell behind the retention: journal rows were pruned before it read them", metadata: [
            "notifier": "\(outbox.config.name)", "rows": "\(batch.prunedRows)", "up_to_seq": "\(batch.lastSeq)",
        ])
    }

    private func logReadFailure(_ error: JournalError, gate: inout FailureLogGate) {
        switch gate.failed(now: WallClock.now()) {
        case .first:
            logger.warning("notifiers cannot read the journal: retrying every second", metadata: ["error": "\(error)"])
        case .summary(let failures):
            logger.warning("notifiers still cannot read the journal", metadata: [
                "error": "\(error)", "failures_since_last_line": "\(failures)",
            ])
        case .quiet:
            break
        }
    }

    /// Writes the cursors that moved, at most every `cursorInterval`, whenever a signal comes.
    private func writeCursors(_ feed: ReadingThread, signals: AsyncStream<Void>) async {
        var written: [String: Int64] = [:]
        for await _ in signals {
            written = await write(feed, changedSince: written)
            try? await Task.sleep(for: Self.cursorInterval)
        }
    }

    /// The last write of the cursors, at shutdown.
    private func flushCursors(_ feed: ReadingThread) async {
        _ = await write(feed, changedSince: [:])
    }

    /// Writes every cursor that differs from `written`; returns what is on disk afterwards.
    private func write(_ feed: ReadingThread, changedSince written: [String: Int64]) async -> [String: Int64] {
        var cursors: [String: Int64] = [:]
        for outbox in outboxes {
            if let cursor = outbox.durableCursor, written[outbox.config.name] != cursor { cursors[outbox.config.name] = cursor }
        }
        guard !cursors.isEmpty else { return written }
        let now = WallClock.now().milliseconds
        do {
            try await feed.perform { [cursors] resources throws(JournalError) in try resources.cursors.write(cursors, at: now) }
        } catch {
            logger.warning("cannot write the notifier cursors (they are written again with the next delivery)", metadata: [
                "file": "\(cursorPath)", "error": "\(error)",
            ])
            return written
        }
        return written.merging(cursors) { $1 }
    }

    private var cursorSummary: String {
        outboxes.map { "\($0.config.name)=\($0.durableCursor ?? 0)" }.joined(separator: ",")
    }

    /// Stops the reading thread (it closes its connections) and waits for it, off the cooperative pool.
    private static func stop(_ feed: ReadingThread) async {
        await withCheckedContinuation { continuation in
            Thread {
                feed.stop()
                continuation.resume()
            }.start()
        }
    }
}
