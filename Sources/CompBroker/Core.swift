import CompJournal
import CompModel
import CompTransport
import CompWire
import Foundation
import Logging

/// The broker's core: the only owner of the journal. It runs on one dedicated thread and does, in
/// one loop, group commit of everything waiting, scheduling (it sleeps until the earliest due time
/// or lease deadline, never on a fixed period), dispatch of due commands to held fetches, and
/// operator actions. Nothing here blocks Swift's cooperative pool.
///
/// `@unchecked Sendable`: the queue and flags are guarded by `condition`; everything else
/// (`journal`, the dispatch state) is touched only by the core thread.
final class Core: @unchecked Sendable {
    let config: BrokerConfig
    let journal: Journal
    let replies: Replier
    let events: EventSink
    let counters: BrokerCounters
    let logger: Logger

    let condition = NSCondition()
    var queue: [Work] = []
    var queuedRecords = 0
    var stopping = false
    var thread: Thread?
    let finished = DispatchSemaphore(value: 0)

    // Core-thread state.
    var waiting: [String: [WaitingFetch]] = [:]
    var leased: [String: Set<ExecutionID>] = [:]
    var dueHint: [String: Timestamp] = [:]
    var noDueWork: Set<String> = []
    var expiryHint: Timestamp?
    var paused: Set<String> = []
    var nextPrune = Timestamp.zero

    /// The most records queued before new batches are refused with `overloaded`.
    static let maxQueuedRecords = 100_000
    /// The most records applied in one transaction.
    static let maxRecordsPerCommit = 5_000

    init(config: BrokerConfig, journal: Journal, replies: Replier, events: EventSink, counters: BrokerCounters, logger: Logger) throws {
        self.config = config
        self.journal = journal
        self.replies = replies
        self.events = events
        self.counters = counters
        self.logger = logger
        paused = journal.pausedServices()
        expiryHint = try journal.earliestLeaseExpiry()
        var cursor: ExecutionID?
        repeat {
            let page = try journal.list(filter: ExecutionFilter(statuses: [.prepared]), before: cursor, limit: 1000)
            for execution in page.executions { leased[execution.key.service, default: []].insert(execution.id) }
            cursor = page.nextCursor
        } while cursor != nil
    }

    // MARK: - Other threads

    /// Starts the core thread.
    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "compd-core"
        self.thread = thread
        thread.start()
    }

    /// Queues work; returns the code to refuse it with (and queues nothing) when the broker is
    /// overloaded or stopping.
    func submit(_ work: Work) -> ErrorCode? {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return .shuttingDown }
        if work.recordCount > 0, queuedRecords + work.recordCount > Self.maxQueuedRecords { return .overloaded }
        queue.append(work)
        queuedRecords += work.recordCount
        condition.signal()
        return nil
    }

    /// Asks the core to commit what it has, answer held fetches and stop; waits until it has.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        if thread != nil { finished.wait() }
    }

    // MARK: - The loop

    func run() {
        while true {
            condition.lock()
            while queue.isEmpty, !stopping {
                let wake = nextWake()
                if wake <= WallClock.now() { break }
                _ = condition.wait(until: WallClock.date(min(wake, WallClock.now().adding(.seconds(3600)))))
            }
            var batch: [Work] = []
            var records = 0
            while let first = queue.first, batch.isEmpty || records + first.recordCount <= Self.maxRecordsPerCommit {
                batch.append(queue.removeFirst())
                records += first.recordCount
            }
            queuedRecords -= records
            let stop = stopping && queue.isEmpty
            condition.unlock()

            step(batch)
            if stop {
                drainFetches()
                journal.close()
                return
            }
        }
    }

    /// One group commit: everything taken from the queue plus the scheduler's and dispatcher's work.
    func step(_ batch: [Work]) {
        let now = WallClock.now()
        var commands: [JournalCommand] = []
        var pending: [Pending] = []

        for work in batch {
            switch work {
            case .records(let requester, let slots):
                var indices: [Int?] = []
                for slot in slots {
                    if case .incoming(let record) = slot {
                        indices.append(commands.count)
                        commands.append(.record(record))
                    } else {
                        indices.append(nil)
                    }
                }
                pending.append(.ack(requester, slots, indices))
            case .fetch(let fetch):
                waiting[fetch.fetch.service, default: []].append(fetch)
                if dueHint[fetch.fetch.service] == nil { noDueWork.remove(fetch.fetch.service) }
            case .extend(let requester, let request):
                pending.append(.extend(requester, commands.count))
                commands.append(.extendLease(
                    request.lease.executionId, token: request.lease.token,
                    by: .milliseconds(Int64(request.extendByMs))))
            case .action(let requester, let request):
                pending.append(action(requester, request, into: &commands))
            }
        }

        if let expiry = expiryHint, expiry <= now {
            pending.append(.expire(commands.count))
            commands.append(.expireLeases(limit: 1000))
        }
        for (service, index, fetch) in dispatchPlan(now: now, into: &commands) {
            pending.append(.dispatch(service, index, fetch))
        }

        if !commands.isEmpty {
            do {
                let result = try journal.commit(commands, now: now)
                finish(pending, commands: commands, result: result)
            } catch {
                logger.error("commit failed; nothing in it was acknowledged", metadata: ["error": "\(error)"])
                fail(pending)
            }
        } else {
            finish(pending, commands: [], result: CommitResult(results: [], changes: []))
        }
        answerExpiredFetches(now: WallClock.now())
        pruneIfDue(now: now)
        publishServiceSnapshot()
    }
}

extension Array {
    /// The elements that match and those that do not, each in order.
    func partitioned(by belongs: (Element) -> Bool) -> ([Element], [Element]) {
        var yes: [Element] = []
        var no: [Element] = []
        for element in self {
            if belongs(element) { yes.append(element) } else { no.append(element) }
        }
        return (yes, no)
    }
}
