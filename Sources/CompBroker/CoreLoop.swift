import CompJournal
import CompModel
import Dispatch
import Logging

/// The core thread's state: the store, the decision machine and the completions of held fetches.
/// Not `Sendable`: it is created on the core thread and never leaves it.
final class CoreLoop {
    let store: any BrokerStore
    var machine: DispatchMachine
    var fetches: [FetchTicket: Completion<[LeasedCommand]>] = [:]
    let config: BrokerConfig
    let counters: BrokerCounters
    let events: EventSink
    let logger: Logger
    /// Notice lines for parks, lease expiries and operator actions (rate-limited).
    let notices: NoticeLog
    let clock: @Sendable () -> Moment
    let metrics: BrokerMetrics
    /// Where readiness probes read whether the journal commits.
    let health: BrokerHealth
    /// Where followers of the journal (notifiers) learn that it moved.
    let commits: CommitSignal
    /// What `health` was last told about the journal.
    private var publishedDegraded = false
    /// Where every answer, event and commit signal waits until the pass that made it is durable.
    let outbox: DurableOutbox

    /// The most records applied in one transaction. 2,000 since stop 26 (5,000 before): side by side at max
    /// and at half rate, new failures and mixed, neither the rate nor the ack latency moved beyond noise,
    /// and the group's state (a change, a command and a result per record, about 1 KB) is what a storm at
    /// 64 connections holds at its peak (2 to 3 MB less).
    static let maxRecordsPerCommit = 2_000

    /// Builds the loop's state from the store: paused services, the lease index and the earliest expiry.
    init(store: any BrokerStore, config: BrokerConfig, counters: BrokerCounters, events: EventSink,
         logger: Logger, notices: NoticeLog? = nil, clock: @escaping @Sendable () -> Moment,
         metrics: BrokerMetrics = BrokerMetrics(), health: BrokerHealth = BrokerHealth(),
         commits: CommitSignal = CommitSignal(), outbox: DurableOutbox = DurableOutbox(flush: nil)) throws(JournalError) {
        self.store = store
        self.outbox = outbox
        self.config = config
        self.counters = counters
        self.events = events
        self.logger = logger
        self.notices = notices ?? NoticeLog(logger: logger)
        self.clock = clock
        self.metrics = metrics
        self.health = health
        self.commits = commits
        commits.journalOpened(headSeq: store.headSeq)
        let at = clock()
        machine = DispatchMachine(
            config: .init(inFlightPerService: config.inFlightPerService,
                          replyBudgetBytes: ReplySizing.commandBudget(maxFrameBytes: config.maxFrameBytes)),
            paused: store.pausedServices(), leases: try store.leasedExecutions(),
            expiry: try store.earliestLeaseExpiry(), sagaDeadline: try store.earliestSagaDeadline(), at: at)
    }

    /// Runs until the inbox is closed and empty; then answers held fetches and closes the store.
    func run(_ inbox: Inbox) {
        outbox.start()
        while true {
            let (batch, finished) = inbox.take(maxRecords: Self.maxRecordsPerCommit)
            pass(batch)
            if finished {
                apply(machine.drain())
                publishServices()
                outbox.finish()  // flushed and sent before the store closes
                store.close()
                return
            }
            inbox.wait(until: machine.nextWake(at: clock()))
        }
    }

    /// One loop pass: the work taken from the inbox and the scheduler's steps in one group commit,
    /// then expired fetches, a retention step when due, and the per-service snapshot.
    func pass(_ batch: [CoreWork]) {
        let at = clock()
        var units: [[JournalCommand]] = []
        var finishers: [(UnitOutcome) -> Void] = []
        for work in batch { accept(work.answered(through: outbox), at: at, units: &units, finishers: &finishers) }
        var records = 0  // records in this commit (not those refused at once): one check per unit
        for unit in units { if case .record? = unit.first { records += unit.count } }
        let steps = machine.plan(at: at)
        let requestUnits = units.count
        units += steps.map(unit)
        var committed = false  // whether the answers staged in this pass wait for a flush
        if !units.isEmpty {
            recordDispatchLag(steps, at: at)
            committed = commit(units, requestUnits: requestUnits, records: records, steps: steps, finishers: finishers, at: at)
        }
        apply(machine.tick(at: clock()))
        prune(at: clock())  // deletes only what nobody is told about: nothing staged waits for it
        outbox.post(committed: committed)
        publishServices()
        publishHealth()
    }

    /// For each lease step, how late the oldest due command the core knew of for that service is.
    private func recordDispatchLag(_ steps: [DispatchMachine.Step], at: Moment) {
        for step in steps {
            guard case .lease(_, let service, _, _, _) = step, let due = machine.dueHint[service] else { continue }
            metrics.dispatched(lagMilliseconds: machine.journalNow(at).milliseconds - due.milliseconds)
        }
    }

    /// Tells readiness probes when the journal starts or stops failing (one atomic store per change).
    private func publishHealth() {
        let degraded = machine.health.failures > 0
        guard degraded != publishedDegraded else { return }
        publishedDegraded = degraded
        health.setJournalDegraded(degraded)
    }

    /// One group commit; true when it committed (its answers then wait for the outbox's flush).
    private func commit(_ units: [[JournalCommand]], requestUnits: Int, records: Int, steps: [DispatchMachine.Step],
                        finishers: [(UnitOutcome) -> Void], at: Moment) -> Bool {
        let now = machine.journalNow(at)
        let result: GroupCommit
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            result = try store.commit(units, now: now)
        } catch {
            metrics.commitFailed()
            apply(machine.commitFailed("\(error)", at: at))
            for finish in finishers { finish(.failed(error)) }
            return false
        }
        metrics.committed(nanoseconds: DispatchTime.now().uptimeNanoseconds &- started, records: records)
        outbox.stage { [commits, headSeq = result.headSeq] in commits.committed(headSeq) }
        let outcomes = zip(steps, result.units.dropFirst(requestUnits)).map { step, outcome in
            Self.stepOutcome(step, outcome)
        }
        apply(machine.committed(steps: steps, outcomes: outcomes, changes: result.changes, at: at))
        if result.sagasTouched { apply(machine.sagasChanged()) }
        for (finish, outcome) in zip(finishers, result.units) { finish(outcome) }
        if notices.isEnabled { notices.changes(result.changes) }
        if events.isEnabled {
            outbox.stage { [events, changes = result.changes, sagaChanges = result.sagaChanges] in
                for change in changes { events.publish(Mapping.event(change)) }
                for change in sagaChanges { events.publishSaga(Mapping.sagaEvent(change)) }
            }
        }
        return true
    }

    private func unit(_ step: DispatchMachine.Step) -> [JournalCommand] {
        switch step {
        case .expire(let limit):
            [.expireLeases(limit: limit)]
        case .lease(_, let service, let holder, let limit, let bytes):
            [.leaseDue(service: service, holder: holder, limit: limit, budget: ReplySizing.leaseBudget(bytes: bytes))]
        case .giveBack(let id, let token, _):
            [.returnLease(id, token: token)]
        case .sagaDeadlines(let limit):
            [.sagaDeadlines(limit: limit)]
        }
    }

    private static func stepOutcome(_ step: DispatchMachine.Step, _ outcome: UnitOutcome) -> DispatchMachine.StepOutcome {
        switch outcome {
        case .failed(let error):
            return .failed("\(error)")
        case .applied(let results):
            switch results.first {
            case .expired(let executions)?: return .expired(executions)
            case .leased(let executions)?: return .leased(executions)
            case .returned(let result)?:
                if case .success = result { return .gaveBack(true) }
                return .gaveBack(false)
            case .sagaDeadlines(let count)?: return .sagaDeadlines(count)
            default: return .failed("unexpected result for \(step)")
            }
        }
    }

    /// Carries out what the machine decided.
    func apply(_ effects: DispatchMachine.Effects) {
        if effects.dispatched + effects.expired > 0 {  // counted before the replies go out
            counters.update {
                $0.commandsDispatched += UInt64(effects.dispatched)
                $0.leasesExpired += UInt64(effects.expired)
            }
        }
        for ticket in effects.dropped { fetches.removeValue(forKey: ticket)?(.failure(.replaced)) }
        for (ticket, executions) in effects.answers {
            // A compensation's command carries its saga marker (from the store's memory: empty without sagas).
            fetches.removeValue(forKey: ticket)?(.success(executions.map {
                LeasedCommand(execution: $0, saga: store.compensationMarker(of: $0.id))
            }))
        }
        for report in effects.reports { log(report) }
        for read in effects.reads {
            let at = clock()
            switch read {
            case .earliestExpiry:
                let result: Result<Timestamp?, JournalError>
                do { result = .success(try store.earliestLeaseExpiry()) } catch { result = .failure(error) }
                apply(machine.expiryRead(result, at: at))
            case .earliestDue(let service):
                let result: Result<Timestamp?, JournalError>
                do { result = .success(try store.earliestDue(service: service)) } catch { result = .failure(error) }
                apply(machine.dueRead(service, result, at: at))
            case .earliestSagaDeadline:
                let result: Result<Timestamp?, JournalError>
                do { result = .success(try store.earliestSagaDeadline()) } catch { result = .failure(error) }
                apply(machine.sagaDeadlineRead(result, at: at))
            }
        }
    }

    private func log(_ report: StorageHealth.Report) {
        switch report {
        case .degraded(let error):
            logger.error("journal degraded: commits fail; refusing records with storage_failure and retrying with backoff",
                         metadata: ["error": "\(error)"])
        case .stillDegraded(let failures, let latest):
            logger.error("journal still degraded", metadata: ["failures": "\(failures)", "latest": "\(latest)"])
        case .recovered(let failures):
            logger.notice("journal recovered after \(failures) failures")
        }
    }

    private func prune(at: Moment) {
        guard machine.pruneDue(at: at) else { return }
        do {
            let count = try store.prune(now: machine.journalNow(at), budget: .milliseconds(PrunePacer.budgetMilliseconds))
            machine.pruned(count, at: at)
            if count > 0 { logger.debug("pruned finished executions", metadata: ["count": "\(count)"]) }
        } catch {
            machine.pruneFailed(at: at)
            logger.warning("pruning failed", metadata: ["error": "\(error)"])
        }
    }

    private func publishServices() {
        var snapshot: [String: BrokerCounters.Service] = [:]
        for service in Set(machine.held.keys).union(machine.leased.keys).union(machine.paused) {
            snapshot[service] = BrokerCounters.Service(
                paused: machine.isPaused(service), inFlight: machine.inFlight(service),
                waitingFetches: machine.heldFetches(of: service).count)
        }
        counters.publish(services: snapshot)
    }
}
