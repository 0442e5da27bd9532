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
    private let config: BrokerConfig
    private let journal: Journal
    private let replies: Replier
    private let events: EventSink
    private let counters: BrokerCounters
    private let logger: Logger

    private let condition = NSCondition()
    private var queue: [Work] = []
    private var queuedRecords = 0
    private var stopping = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    // Core-thread state.
    private var waiting: [String: [WaitingFetch]] = [:]
    private var leased: [String: Set<ExecutionID>] = [:]
    private var dueHint: [String: Timestamp] = [:]
    private var noDueWork: Set<String> = []
    private var expiryHint: Timestamp?
    private var paused: Set<String> = []
    private var nextPrune = Timestamp.zero

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

    private func run() {
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
    private func step(_ batch: [Work]) {
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

    // MARK: - Planning

    /// What to do with each command's result once the commit is done.
    private enum Pending {
        case ack(Requester, [RecordSlot], [Int?])
        case extend(Requester, Int)
        case operate(Requester, matched: Int, range: Range<Int>, early: [ActionFailure])
        case reply(Requester, Message)
        case expire(Int)
        case dispatch(String, Int, WaitingFetch)
    }

    private func action(_ requester: Requester, _ request: ActionRequest, into commands: inout [JournalCommand]) -> Pending {
        switch (request.action, request.target) {
        case (.pause, .service(let service)), (.resume, .service(let service)):
            let pause = request.action == .pause
            let start = commands.count
            commands.append(.setPaused(service: service, paused: pause))
            if pause { paused.insert(service) } else { paused.remove(service) }
            return .operate(requester, matched: 1, range: start..<commands.count, early: [])
        case (.pause, _), (.resume, _), (_, .service):
            return .reply(requester, .error(ErrorReply(
                code: ErrorCode.invalidField.rawValue,
                message: "pause and resume take a service; other actions take an execution or a filter")))
        case (let action, .execution(let id)):
            return operate(requester, action, ids: [id], into: &commands)
        case (let action, .filter(let wireFilter)):
            switch Mapping.filter(wireFilter) {
            case .failure(let code):
                return .reply(requester, .error(ErrorReply(code: code.rawValue, message: "invalid filter")))
            case .success(let filter):
                do {
                    let ids = try journal.matchingIds(filter: filter, limit: 100_000)
                    return operate(requester, action, ids: ids, into: &commands)
                } catch {
                    return .reply(requester, .error(ErrorReply(
                        code: ErrorCode.storageFailure.rawValue, message: "\(error)")))
                }
            }
        }
    }

    private func operate(_ requester: Requester, _ action: AdminAction, ids: [ExecutionID], into commands: inout [JournalCommand]) -> Pending {
        let start = commands.count
        var early: [ActionFailure] = []
        for id in ids {
            var base = config.defaultSpec
            if case .applySpec = action {
                guard let execution = try? journal.execution(id) else {
                    early.append(ActionFailure(executionId: id, code: ErrorCode.unknownExecution.rawValue, message: "no execution has that id"))
                    continue
                }
                base = execution.spec
            }
            switch Mapping.input(action, base: base) {
            case .success(let input)?:
                commands.append(.operate(id, input))
            case .failure(let code)?:
                early.append(ActionFailure(executionId: id, code: code.rawValue, message: "\(code)"))
            case nil:
                break
            }
        }
        return .operate(requester, matched: ids.count, range: start..<commands.count, early: early)
    }

    /// Leases for held fetches: for each service that is not paused, has room under its cap and
    /// may have due work, one `leaseDue` per waiting fetch until the room is used.
    private func dispatchPlan(now: Timestamp, into commands: inout [JournalCommand]) -> [(String, Int, WaitingFetch)] {
        var plan: [(String, Int, WaitingFetch)] = []
        for (service, fetches) in waiting where !fetches.isEmpty && !paused.contains(service) {
            if noDueWork.contains(service) { continue }
            if let hint = dueHint[service], hint > now { continue }
            var room = config.inFlightPerService - (leased[service]?.count ?? 0)
            for fetch in fetches where room > 0 {
                let limit = min(Int(fetch.fetch.max), room)
                plan.append((service, commands.count, fetch))
                commands.append(.leaseDue(service: service, holder: fetch.fetch.instance, limit: limit))
                room -= limit
            }
        }
        return plan
    }

    // MARK: - After the commit

    private func finish(_ pending: [Pending], commands: [JournalCommand], result: CommitResult) {
        for change in result.changes { track(change) }
        var dispatchedFetches = Set<UInt32>()
        for item in pending {
            switch item {
            case .ack(let requester, let slots, let indices):
                var outcomes: [RecordOutcome] = []
                outcomes.reserveCapacity(slots.count)
                for (slot, index) in zip(slots, indices) {
                    if case .rejected(let code) = slot {
                        outcomes.append(RecordOutcome(status: .rejected, code: code.rawValue))
                    } else if let index, case .record(let recordResult) = result.results[index] {
                        outcomes.append(Mapping.outcome(recordResult))
                        count(recordResult)
                    } else {
                        outcomes.append(RecordOutcome(status: .rejected, code: ErrorCode.internalError.rawValue))
                    }
                }
                counters.update { $0.recordsRejected += UInt64(outcomes.count { $0.status == .rejected && $0.code < 20 }) }
                replies.send(requester, .ack(Ack(outcomes: outcomes)))
            case .extend(let requester, let index):
                guard case .extended(let extended) = result.results[index] else { continue }
                switch extended {
                case .success(let until):
                    replies.send(requester, .leaseReply(LeaseReply(status: .accepted, leaseDeadline: until.milliseconds)))
                case .failure(.unknownExecution):
                    replies.send(requester, .error(ErrorReply(code: ErrorCode.unknownExecution.rawValue, message: "no execution has that id")))
                case .failure:
                    replies.send(requester, .leaseReply(LeaseReply(status: .stale, leaseDeadline: 0)))
                }
            case .operate(let requester, let matched, let range, let early):
                var changed: UInt32 = 0
                var failures = early
                for index in range {
                    if case .paused = result.results[index] { changed += 1 }
                    guard case .operated(let operated) = result.results[index],
                        case .operate(let id, _) = commands[index]
                    else { continue }
                    switch operated {
                    case .success: changed += 1
                    case .failure(let rejection):
                        failures.append(ActionFailure(executionId: id, code: Mapping.code(rejection).rawValue, message: Mapping.describe(rejection)))
                    }
                }
                if matched == 1, changed == 0, let failure = failures.first, failures.count == 1 {
                    replies.send(requester, .error(ErrorReply(code: failure.code, message: failure.message)))
                } else {
                    replies.send(requester, .actionReply(ActionReply(
                        matched: UInt32(clamping: matched), changed: changed,
                        failures: Array(failures.prefix(WireLimits.maxSmallList)))))
                }
            case .reply(let requester, let message):
                replies.send(requester, message)
            case .expire(let index):
                guard case .expired(let executions) = result.results[index] else { continue }
                counters.update { $0.leasesExpired += UInt64(executions.count) }
                if executions.count < 1000 { expiryHint = (try? journal.earliestLeaseExpiry()) ?? nil }
            case .dispatch(let service, let index, let fetch):
                guard case .leased(let executions) = result.results[index] else { continue }
                if executions.isEmpty {
                    refreshDueHint(service)
                    continue
                }
                dispatchedFetches.insert(fetch.requester.requestId)
                waiting[service]?.removeAll { $0.requester.requestId == fetch.requester.requestId && $0.fetch == fetch.fetch }
                counters.update { $0.commandsDispatched += UInt64(executions.count) }
                replies.send(fetch.requester, .commands(Commands(commands: executions.map(Mapping.command))))
            }
        }
        if events.isEnabled {
            for change in result.changes { events.publish(Mapping.event(change)) }
        }
    }

    private func fail(_ pending: [Pending]) {
        paused = journal.pausedServices()
        for item in pending {
            switch item {
            case .ack(let requester, _, _), .extend(let requester, _), .operate(let requester, _, _, _):
                replies.send(requester, .error(ErrorReply(
                    code: ErrorCode.storageFailure.rawValue, message: "the journal could not commit; resend later")))
            case .reply(let requester, let message):
                replies.send(requester, message)
            case .expire, .dispatch:
                break  // retried on the next loop; the fetch stays held
            }
        }
    }

    private func count(_ result: RecordResult) {
        counters.update { values in
            switch result {
            case .accepted: values.recordsAccepted += 1
            case .notHeld: values.successesNotHeld += 1
            case .duplicate: values.recordsDuplicate += 1
            case .stale: values.recordsStale += 1
            case .rejected: values.recordsRejected += 1
            }
        }
    }

    /// Keeps the dispatch state in step with one state change.
    private func track(_ change: StateChange) {
        let execution = change.execution
        let service = execution.key.service
        if execution.status == .prepared {
            leased[service, default: []].insert(execution.id)
            if let until = execution.lease?.until { expiryHint = min(expiryHint ?? until, until) }
        } else {
            leased[service]?.remove(execution.id)
        }
        if execution.status == .failed, let due = execution.nextRetryAt {
            if noDueWork.remove(service) != nil {
                dueHint[service] = due  // known to have had none: this is the earliest
            } else if let hint = dueHint[service] {
                dueHint[service] = min(hint, due)
            }
        }
    }

    private func refreshDueHint(_ service: String) {
        if let due = try? journal.earliestDue(service: service) {
            dueHint[service] = due
            noDueWork.remove(service)
        } else {
            dueHint[service] = nil
            noDueWork.insert(service)
        }
    }

    private func answerExpiredFetches(now: Timestamp) {
        for (service, fetches) in waiting {
            let (expired, kept) = fetches.partitioned { $0.deadline <= now.milliseconds }
            guard !expired.isEmpty else { continue }
            waiting[service] = kept
            for fetch in expired { replies.send(fetch.requester, .commands(Commands(commands: []))) }
        }
    }

    private func drainFetches() {
        for (_, fetches) in waiting {
            for fetch in fetches { replies.send(fetch.requester, .commands(Commands(commands: []))) }
        }
        waiting = [:]
        publishServiceSnapshot()
    }

    private func pruneIfDue(now: Timestamp) {
        guard now >= nextPrune else { return }
        nextPrune = now.adding(.seconds(10))
        do {
            let pruned = try journal.prune(now: now, batchSize: 500)
            if pruned > 0 { logger.info("pruned finished executions", metadata: ["count": "\(pruned)"]) }
        } catch {
            logger.warning("pruning failed", metadata: ["error": "\(error)"])
        }
    }

    /// When the loop must wake with no new work: the earliest lease deadline, due time of a
    /// service with a held fetch and room, held fetch deadline, or prune time.
    private func nextWake() -> Timestamp {
        var wake = nextPrune
        if let expiry = expiryHint { wake = min(wake, expiry) }
        for (service, fetches) in waiting where !fetches.isEmpty {
            for fetch in fetches { wake = min(wake, Timestamp(milliseconds: fetch.deadline)) }
            guard !paused.contains(service), !noDueWork.contains(service),
                (leased[service]?.count ?? 0) < config.inFlightPerService
            else { continue }
            wake = min(wake, dueHint[service] ?? .zero)
        }
        return wake
    }

    private func publishServiceSnapshot() {
        var snapshot: [String: BrokerCounters.Service] = [:]
        for service in Set(waiting.keys).union(leased.keys).union(paused) {
            snapshot[service] = BrokerCounters.Service(
                paused: paused.contains(service), inFlight: leased[service]?.count ?? 0,
                waitingFetches: waiting[service]?.count ?? 0)
        }
        counters.publish(services: snapshot)
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
