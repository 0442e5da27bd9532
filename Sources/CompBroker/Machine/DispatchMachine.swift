import CompJournal
import CompModel

/// Every decision of the broker's core as a value: scheduling, dispatch planning, lease expiry, flow
/// control (per-service in-flight cap, pause), held fetches and their deadlines, fetch replacement,
/// undelivered replies, prune pacing and commit-failure backoff.
///
/// It takes events (a fetch arrived, a commit's results, a read's result, time passed) with a
/// `Moment`, and returns what to do: steps for the next group commit, fetches to answer or drop,
/// reads to run, lines to log, and when to wake. No threads, sockets, clocks or SQLite; the core
/// thread carries the actions out.
///
/// Per-service state exists only while the service has a held fetch, a lease or a pause, so the
/// maps shrink back when a service goes quiet.
struct DispatchMachine: Sendable {
    /// The settings the decisions depend on.
    struct Config: Sendable {
        /// At most this many commands of one service leased at once.
        var inFlightPerService: Int
        /// Bytes available to commands in one Commands reply (frame limit minus the empty reply).
        var replyBudgetBytes: Int
        /// Leases expired per step.
        var expireBatch: Int = 1000
    }

    /// One unit of scheduler work for the next group commit; each becomes its own unit.
    enum Step: Sendable, Equatable {
        /// Expire up to `limit` leases past their deadline.
        case expire(limit: Int)
        /// Lease due work of `service` to `holder` for the held fetch `ticket`.
        case lease(FetchTicket, service: String, holder: String, limit: Int, budgetBytes: Int)
        /// Give back a lease whose Commands reply was not delivered.
        case giveBack(ExecutionID, token: UInt64, service: String)
        /// Feed `deadlineReached` to up to `limit` RUNNING sagas past their deadline.
        case sagaDeadlines(limit: Int)
    }

    /// What a step did, one per step in order.
    enum StepOutcome: Sendable {
        case expired([Execution])
        case leased([Execution])
        /// Whether the lease was still current and went back.
        case gaveBack(Bool)
        /// How many sagas the deadline aborted.
        case sagaDeadlines(Int)
        /// The step's unit was rolled back.
        case failed(String)
    }

    /// A query the core must run and report back.
    enum Read: Sendable, Equatable {
        /// The earliest lease deadline (`expiryRead`).
        case earliestExpiry
        /// The earliest due time of a service (`dueRead`).
        case earliestDue(String)
        /// The earliest deadline of a RUNNING saga (`sagaDeadlineRead`).
        case earliestSagaDeadline
    }

    /// What to do after an event.
    struct Effects: Sendable {
        /// Answer these fetches with these leased executions (empty: an empty Commands reply).
        var answers: [(FetchTicket, [Execution])] = []
        /// Fetches replaced by a newer one of the same (service, instance): no reply.
        var dropped: [FetchTicket] = []
        var reads: [Read] = []
        var reports: [StorageHealth.Report] = []
        var dispatched = 0
        var expired = 0
        var returned = 0
    }

    let config: Config
    private var nextTicket: UInt64 = 1
    private(set) var held: [String: [HeldFetch]] = [:]
    /// Leased executions and their tokens, per service.
    private(set) var leased: [String: [ExecutionID: UInt64]] = [:]
    private(set) var paused: Set<String>
    /// The earliest due time of a service with a held fetch, when known.
    private(set) var dueHint: [String: Timestamp] = [:]
    /// Services with a held fetch known to have nothing FAILED (no due time at all).
    private(set) var noDueWork: Set<String> = []
    private(set) var expiryHint: Timestamp?
    /// The earliest deadline of a RUNNING saga, when there is one: the scheduler wakes then (no polling).
    private(set) var sagaDeadline: Timestamp?
    /// Sagas aborted by their deadline per step.
    static let sagaDeadlineBatch = 100
    /// The last Commands reply per service and instance.
    private(set) var deliveries: [String: [String: Delivery]] = [:]
    private var returns: [(service: String, lease: Delivery.Lease)] = []
    /// The journal's `now`: the wall clock raised to the latest reading.
    private(set) var time: NonDecreasingTime
    private(set) var health = StorageHealth()
    private(set) var pacer: PrunePacer

    /// A machine starting from the journal's state.
    ///
    /// - Parameters:
    ///   - paused: the paused services.
    ///   - leases: every PREPARED execution's id and service (the lease index). Their tokens are not
    ///     needed: no reply of this process carried them, so none is ever given back.
    ///   - expiry: the earliest lease deadline.
    ///   - at: the first reading of the clocks.
    init(config: Config, paused: Set<String>, leases: [(id: ExecutionID, service: String)],
         expiry: Timestamp?, sagaDeadline: Timestamp? = nil, at: Moment) {
        self.config = config
        self.sagaDeadline = sagaDeadline
        self.paused = paused
        for lease in leases { leased[lease.service, default: [:]][lease.id] = 0 }
        expiryHint = expiry
        time = NonDecreasingTime(start: at.wall)
        pacer = PrunePacer(start: at.monotonic)
    }

    // MARK: - Time

    /// The `now` for the journal at `at`: the wall clock, but never earlier than a `now` given before.
    mutating func journalNow(_ at: Moment) -> Timestamp {
        time.advance(to: at.wall)
    }

    /// Answers held fetches whose deadline has passed with empty replies.
    mutating func tick(at: Moment) -> Effects {
        var effects = Effects()
        for service in Array(held.keys) {
            guard let fetches = held[service] else { continue }
            let expired = fetches.filter { $0.deadline <= at.monotonic }
            guard !expired.isEmpty else { continue }
            held[service] = fetches.filter { $0.deadline > at.monotonic }
            for fetch in expired { effects.answers.append((fetch.ticket, [])) }
            compact(service)
        }
        return effects
    }

    /// When the loop must wake with no new work (monotonic ms): the earliest fetch deadline, lease
    /// deadline, due time of a service with a held fetch and room, pending give-back, prune step or
    /// end of a storage backoff.
    func nextWake(at: Moment) -> Int64 {
        var wake = Int64.max
        for fetches in held.values {
            for fetch in fetches { wake = min(wake, fetch.deadline) }
        }
        var scheduler = Int64.max
        if !returns.isEmpty { scheduler = at.monotonic }
        if let expiryHint { scheduler = min(scheduler, monotonic(expiryHint, at: at)) }
        if let sagaDeadline { scheduler = min(scheduler, monotonic(sagaDeadline, at: at)) }
        for (service, fetches) in held where !fetches.isEmpty && wantsWork(service) {
            scheduler = min(scheduler, dueHint[service].map { monotonic($0, at: at) } ?? at.monotonic)
        }
        scheduler = min(scheduler, pacer.nextAt)
        if let retryAt = health.retryAt, health.refuses(at: at.monotonic) {
            scheduler = max(scheduler, retryAt)  // nothing is planned or pruned before the backoff ends
        }
        return min(wake, scheduler)
    }

    /// The monotonic time at which the journal clock reaches `time`, seen from `at`.
    private func monotonic(_ time: Timestamp, at: Moment) -> Int64 {
        let delay = max(0, time.since(max(self.time.latest, at.wall)).milliseconds)
        let (sum, overflow) = at.monotonic.addingReportingOverflow(delay)
        return overflow ? .max : sum
    }

    // MARK: - Fetches

    /// A fetch arrived: it replaces any held fetch of the same (service, instance); if it repeats the
    /// request id of the last Commands reply to that instance, that reply was lost and its leases go back.
    mutating func fetchArrived(_ arrival: FetchArrival, at: Moment) -> (FetchTicket, Effects) {
        var effects = Effects()
        let ticket = FetchTicket(value: nextTicket)
        nextTicket += 1
        let service = arrival.service
        if var fetches = held[service] {
            let replaced = fetches.filter { $0.instance == arrival.instance }
            fetches.removeAll { $0.instance == arrival.instance }
            held[service] = fetches
            effects.dropped = replaced.map(\.ticket)
        }
        if let delivery = deliveries[service]?[arrival.instance], delivery.requestId == arrival.requestId {
            deliveries[service]?[arrival.instance] = nil
            for lease in delivery.leases where leased[service]?[lease.id] == lease.token {
                returns.append((service, lease))
            }
        }
        let deadline = at.monotonic &+ max(0, arrival.waitMilliseconds)
        held[service, default: []].append(HeldFetch(
            ticket: ticket, service: service, instance: arrival.instance, max: arrival.max,
            requestId: arrival.requestId, deadline: deadline))
        compact(service)
        return (ticket, effects)
    }

    /// Answers every held fetch empty (shutdown).
    mutating func drain() -> Effects {
        var effects = Effects()
        for fetches in held.values {
            for fetch in fetches { effects.answers.append((fetch.ticket, [])) }
        }
        held = [:]
        dueHint = [:]
        noDueWork = []
        return effects
    }

    /// Held fetches of `service`, oldest first.
    func heldFetches(of service: String) -> [HeldFetch] { held[service] ?? [] }

    // MARK: - Flow control

    /// Whether dispatch of `service` is paused.
    func isPaused(_ service: String) -> Bool { paused.contains(service) }

    /// A committed pause or resume.
    mutating func setPaused(_ service: String, _ value: Bool) {
        if value { paused.insert(service) } else { paused.remove(service) }
        compact(service)
    }

    /// Commands of `service` in flight.
    func inFlight(_ service: String) -> Int { leased[service]?.count ?? 0 }

    private func wantsWork(_ service: String) -> Bool {
        !paused.contains(service) && !noDueWork.contains(service) && inFlight(service) < config.inFlightPerService
    }

    // MARK: - Storage health

    /// Whether requests must be refused at once (the journal is failing and backing off).
    func refusesRequests(at: Moment) -> Bool { health.refuses(at: at.monotonic) }

    /// The group commit threw (BEGIN or COMMIT failed): back off; the held fetches stay held.
    mutating func commitFailed(_ error: String, at: Moment) -> Effects {
        var effects = Effects()
        if let report = health.failed(error, at: at.monotonic) { effects.reports.append(report) }
        return effects
    }
}


extension DispatchMachine {
    // MARK: - Planning

    /// The scheduler's steps for the next group commit: leases given back, expiry when a deadline has
    /// passed, and for each service that is not paused, has room under its cap and may have due work,
    /// one lease per held fetch until the room is used. Nothing while storage is backing off.
    mutating func plan(at: Moment) -> [Step] {
        guard !health.refuses(at: at.monotonic) else { return [] }
        let now = journalNow(at)
        var steps: [Step] = returns.map { .giveBack($0.lease.id, token: $0.lease.token, service: $0.service) }
        returns = []
        if let expiryHint, expiryHint <= now { steps.append(.expire(limit: config.expireBatch)) }
        if let sagaDeadline, sagaDeadline <= now { steps.append(.sagaDeadlines(limit: Self.sagaDeadlineBatch)) }
        for service in held.keys.sorted() where wantsWorkNow(service, now: now) {
            var room = config.inFlightPerService - inFlight(service)
            for fetch in held[service] ?? [] where room > 0 {
                let limit = min(fetch.max, room)
                steps.append(.lease(
                    fetch.ticket, service: service, holder: fetch.instance, limit: limit,
                    budgetBytes: config.replyBudgetBytes))
                room -= limit
            }
        }
        return steps
    }

    private func wantsWorkNow(_ service: String, now: Timestamp) -> Bool {
        guard !paused.contains(service), !noDueWork.contains(service),
            inFlight(service) < config.inFlightPerService
        else { return false }
        if let hint = dueHint[service], hint > now { return false }
        return true
    }

    // MARK: - After the commit

    /// The group commit succeeded: `outcomes` are the results of `steps` (in order) and `changes` every
    /// execution the commit changed (requests' and steps'), in journal order.
    mutating func committed(
        steps: [Step], outcomes: [StepOutcome], changes: [StateChange], at: Moment
    ) -> Effects {
        var effects = Effects()
        if let report = health.succeeded() { effects.reports.append(report) }
        // Every changed execution's service is compacted below, once: a service is hashed into the set only where
        // it differs from the change before (a failure storm is a few services, thousands of changes a commit).
        var touched = Set<String>()
        var previousService: String?
        // By index: the changes are read where they are, not copied (a copy of an execution retains and releases
        // each of its strings and its payload; perf, a storm of new failures: some 2 % of the core thread).
        for index in changes.indices {
            track(changes[index].execution)
            if changes[index].execution.key.service != previousService {
                previousService = changes[index].execution.key.service
                touched.insert(changes[index].execution.key.service)
            }
        }
        for (step, outcome) in zip(steps, outcomes) {
            switch (step, outcome) {
            case (_, .failed(let error)):
                if let report = health.failed(error, at: at.monotonic) { effects.reports.append(report) }
            case (.expire(let limit), .expired(let executions)):
                effects.expired += executions.count
                if executions.count < limit { effects.reads.append(.earliestExpiry) }
            case (.lease(let ticket, let service, let holder, let limit, _), .leased(let executions)):
                touched.insert(service)
                if executions.count < limit, !effects.reads.contains(.earliestDue(service)) {
                    effects.reads.append(.earliestDue(service))
                }
                guard !executions.isEmpty else { continue }
                let fetch = held[service]?.first { $0.ticket == ticket }
                held[service]?.removeAll { $0.ticket == ticket }
                effects.answers.append((ticket, executions))
                effects.dispatched += executions.count
                if let fetch {
                    deliveries[service, default: [:]][holder] = Delivery(
                        requestId: fetch.requestId,
                        leases: executions.map { Delivery.Lease(id: $0.id, token: $0.lease?.token ?? 0) })
                }
            case (.giveBack(_, _, let service), .gaveBack(let done)):
                touched.insert(service)
                if done { effects.returned += 1 }
            case (.sagaDeadlines, .sagaDeadlines):
                if !effects.reads.contains(.earliestSagaDeadline) { effects.reads.append(.earliestSagaDeadline) }
            default:
                break
            }
        }
        for service in touched { compact(service) }
        return effects
    }

    /// The result of the `earliestExpiry` read.
    mutating func expiryRead(_ result: Result<Timestamp?, JournalError>, at: Moment) -> Effects {
        var effects = Effects()
        switch result {
        case .success(let expiry):
            expiryHint = expiry
        case .failure(let error):
            // Keep trying after the backoff instead of silently stopping lease expiry.
            expiryHint = journalNow(at)
            if let report = health.failed("\(error)", at: at.monotonic) { effects.reports.append(report) }
        }
        return effects
    }

    /// A commit wrote sagas: their earliest deadline may have moved; read it again.
    func sagasChanged() -> Effects {
        var effects = Effects()
        effects.reads.append(.earliestSagaDeadline)
        return effects
    }

    /// The result of the `earliestSagaDeadline` read.
    mutating func sagaDeadlineRead(_ result: Result<Timestamp?, JournalError>, at: Moment) -> Effects {
        var effects = Effects()
        switch result {
        case .success(let deadline):
            sagaDeadline = deadline
        case .failure(let error):
            sagaDeadline = journalNow(at)  // keep trying after the backoff rather than never firing
            if let report = health.failed("\(error)", at: at.monotonic) { effects.reports.append(report) }
        }
        return effects
    }

    /// The result of the `earliestDue(service)` read.
    mutating func dueRead(_ service: String, _ result: Result<Timestamp?, JournalError>, at: Moment) -> Effects {
        var effects = Effects()
        guard held[service] != nil else { return effects }  // nobody waits: no hint kept
        switch result {
        case .success(let due?):
            dueHint[service] = due
            noDueWork.remove(service)
        case .success(nil):
            dueHint[service] = nil
            noDueWork.insert(service)
        case .failure(let error):
            dueHint[service] = nil
            noDueWork.remove(service)
            if let report = health.failed("\(error)", at: at.monotonic) { effects.reports.append(report) }
        }
        return effects
    }

    // MARK: - Pruning

    /// Whether a retention step is due (and storage is not backing off).
    func pruneDue(at: Moment) -> Bool { pacer.isDue(at: at.monotonic) && !health.refuses(at: at.monotonic) }

    /// A retention step deleted `count` executions.
    mutating func pruned(_ count: Int, at: Moment) { pacer.pruned(count, at: at.monotonic) }

    /// A retention step failed.
    mutating func pruneFailed(at: Moment) { pacer.failed(at: at.monotonic) }

    // MARK: - Tracking

    /// Keeps leases, hints and expiry in step with one changed execution.
    mutating func track(_ execution: Execution) {
        let service = execution.key.service
        if execution.status == .prepared, let lease = execution.lease {
            // An intent's lease is held by its reporter, not by a Fetch: it costs no in-flight slot.
            if lease.holder != intentLeaseHolder { leased[service, default: [:]][execution.id] = lease.token }
            expiryHint = min(expiryHint ?? lease.until, lease.until)
        } else if !leased.isEmpty {  // each check of an empty map first: a storm of new failures comes this way
            leased[service]?[execution.id] = nil
        }
        guard !held.isEmpty, execution.status == .failed, held[service] != nil, let due = execution.nextRetryAt else { return }
        if noDueWork.remove(service) != nil {
            dueHint[service] = due  // known to have had none: this is the earliest
        } else if let hint = dueHint[service] {
            dueHint[service] = min(hint, due)
        }
    }

    /// Drops the per-service state of a service with nothing held, leased or paused.
    mutating func compact(_ service: String) {
        if held[service]?.isEmpty ?? false { held[service] = nil }
        if held[service] == nil {
            dueHint[service] = nil
            noDueWork.remove(service)
        }
        if leased[service]?.isEmpty ?? false { leased[service] = nil }
        if leased[service] == nil { deliveries[service] = nil }
    }
}
