import CompJournal
import CompModel
import CompWire
import DequeModule
import Foundation
import Logging
import Synchronization

/// Bytes of one tagged-section entry's tag and length (PROTOCOL.md section 4).
enum TaggedSectionSize {
    static let entryHeader = 6
}

/// Work for the admin thread.
enum AdminJob: Sendable {
    /// A list, show or stats request, answered with one message.
    case query(Message, @Sendable (Message) -> Void)
    /// An action on every execution matching a filter: ids found here one keyset page at a time, each
    /// page applied by the core as one slice; the job comes back to the queue after each slice, so
    /// queries are answered in between. Completed when every slice is done.
    case bulk(BulkAction)
}

/// A bulk action in progress.
struct BulkAction: Sendable {
    var filter: ExecutionFilter
    var action: OperatorAction
    /// The last id of the previous page; nil before the first.
    var cursor: ExecutionID?
    /// What the slices so far did.
    var total = ActionOutcome(matched: 0, changed: 0, failures: [])
    var done: Completion<ActionOutcome>
    /// Who asked (stored with the rows the action writes).
    var actor: String?

    init(filter: ExecutionFilter, action: OperatorAction, actor: String? = nil, done: @escaping Completion<ActionOutcome>) {
        self.filter = filter
        self.action = action
        self.actor = actor
        self.done = done
    }
}

/// Answers list, show and stats, and finds the executions of bulk actions, on its own thread and its
/// own read connection, so admin queries never stall ingest (WAL lets readers run beside the writer).
final class AdminReader: Sendable {
    private let open: @Sendable () throws -> any BrokerQueries
    private let core: Core
    private let counters: BrokerCounters
    let config: BrokerConfig
    private let startedAt: Timestamp
    private let logger: Logger
    private let jobs = Mutex(Deque<AdminJob>())
    private let wakeup = DispatchSemaphore(value: 0)
    private let worker = WorkerThread(name: "compd-admin")

    init(open: @escaping @Sendable () throws -> any BrokerQueries, core: Core, counters: BrokerCounters,
         config: BrokerConfig, startedAt: Timestamp, logger: Logger) {
        self.open = open
        self.core = core
        self.counters = counters
        self.config = config
        self.startedAt = startedAt
        self.logger = logger
    }

    /// Starts the admin thread; it opens its connection there.
    func start() {
        worker.start { [self] isRunning in run(isRunning) }
    }

    /// Queues a job.
    func submit(_ job: AdminJob) {
        jobs.withLock { $0.append(job) }
        wakeup.signal()
    }

    /// Answers what is queued, then stops (at once if never started).
    func stop() {
        wakeup.signal()
        worker.stop()
    }

    private func run(_ isRunning: @Sendable () -> Bool) {
        let reader: (any BrokerQueries)?
        do { reader = try open() } catch {
            logger.error("admin reader cannot open the journal", metadata: ["error": "\(error)"])
            reader = nil
        }
        defer { reader?.close() }
        while true {
            let batch = jobs.withLock { jobs -> [AdminJob] in
                defer { jobs.removeAll() }
                return Array(jobs)
            }
            for job in batch { serve(job, reader) }
            guard isRunning() else {
                if jobs.withLock({ $0.isEmpty }) { return }
                continue
            }
            _ = wakeup.wait(timeout: .now() + .milliseconds(100))
        }
    }

    private func serve(_ job: AdminJob, _ reader: (any BrokerQueries)?) {
        switch job {
        case .query(let message, let reply):
            guard let reader else { return reply(error(.storageFailure, "the journal cannot be read")) }
            reply(answer(message, reader))
        case .bulk(let bulk):
            guard let reader else { return bulk.done(.failure(.storageFailure("the journal cannot be read"))) }
            step(bulk, reader)
        }
    }

    /// Finds the next page of ids (newest first) and has the core apply it as one slice; the slice's
    /// completion queues the next step, or completes the action after the last page.
    private func step(_ bulk: BulkAction, _ reader: any BrokerQueries) {
        let ids: [ExecutionID]
        do {
            ids = try reader.matchingIds(filter: bulk.filter, before: bulk.cursor, limit: Core.maxIdsPerSlice)
        } catch {
            return bulk.done(.failure(.storageFailure("\(error)")))
        }
        guard let last = ids.last else { return bulk.done(.success(bulk.total)) }
        let refusal = core.submit(.operate(ids, bulk.action, actor: bulk.actor) { [self] result in
            switch result {
            case .success(let outcome):
                var next = bulk
                next.total = bulk.total + outcome
                next.total.failures = Array(next.total.failures.prefix(WireLimits.maxSmallList))
                next.cursor = last
                if ids.count < Core.maxIdsPerSlice {
                    bulk.done(.success(next.total))
                } else {
                    submit(.bulk(next))
                }
            case .failure(.storageFailure(let text)) where bulk.total.matched > 0:
                bulk.done(.failure(.storageFailure(
                    "\(text); stopped after \(bulk.total.changed) of \(bulk.total.matched) executions changed")))
            case .failure(let error):
                bulk.done(.failure(error))
            }
        })
        if let refusal { bulk.done(.failure(refusal)) }
    }

    private func answer(_ message: Message, _ reader: any BrokerQueries) -> Message {
        do {
            if let saga = try answerSaga(message, reader) { return saga }
            switch message {
            case .listRequest(let request):
                guard (1...WireLimits.maxListItems).contains(Int(request.limit)) else {
                    return error(.invalidField, "ListRequest.limit: must be in 1...\(WireLimits.maxListItems)")
                }
                guard request.cursor >= 0 else { return error(.invalidField, "ListRequest.cursor: must not be negative") }
                let filter: ExecutionFilter
                switch Mapping.filter(request.filter) {
                case .success(let value): filter = value
                case .failure(let code): return error(code, "invalid filter")
                }
                let order: ExecutionOrder
                let position: ListPosition?
                switch Mapping.listPosition(request) {
                case .success(let value): (order, position) = value
                case .failure(let refusal): return error(.invalidField, refusal.message)
                }
                let page = try reader.list(filter: filter, order: order, after: position, limit: Int(request.limit))
                return .listReply(Self.fit(page, maxFrameBytes: config.maxFrameBytes, order: order))
            case .showRequest(let request):
                guard let execution = try reader.execution(request.executionId) else {
                    return error(.unknownExecution, "no execution has id \(request.executionId)")
                }
                return .showReply(try show(execution, after: request.historyAfter, withPayload: request.withPayload, reader))
            case .timelineRequest(let request):
                guard !request.correlationId.isEmpty else {
                    return error(.invalidField, "TimelineRequest.correlationId: must not be empty")
                }
                return .timelineReply(try timeline(request.correlationId, reader))
            case .statsRequest:
                return .statsReply(try stats(reader))
            default:
                return error(.unexpectedMessage, "not an admin read")
            }
        } catch {
            logger.error("admin query failed", metadata: ["error": "\(error)"])
            return self.error(.storageFailure, "\(error)")
        }
    }

    /// A list reply that fits in one frame: fewer items and a cursor at the last one when the page is too big.
    static func fit(_ page: ExecutionPage, maxFrameBytes: Int, order: ExecutionOrder = .newest) -> ListReply {
        // With a next-retry order the reply may carry `nextCursorKey` (a tag of 6 + 8 bytes).
        var bytes = ReplySizing.emptyListBytes + (order == .nextRetry ? TaggedSectionSize.entryHeader + 8 : 0)
        var views: [ExecutionView] = []
        for execution in page.executions {
            let view = Mapping.view(execution)
            bytes += ReplySizing.viewBytes(view)
            if bytes > maxFrameBytes, let last = views.last {
                return ListReply(executions: views, nextCursor: last.id, nextCursorKey: order == .nextRetry ? last.nextRetryAt : nil)
            }
            views.append(view)
        }
        return ListReply(executions: views, nextCursor: page.nextCursor ?? 0,
                         nextCursorKey: page.nextCursor == nil ? nil : page.nextCursorKey?.milliseconds)
    }

    /// The execution and one page of its history after `historyAfter`, oldest first, as much as fits in
    /// one frame (at most `WireLimits.maxHistoryEntries` rows, read in pages); `nextHistoryAfter` is set
    /// when rows remain.
    private func show(_ execution: Execution, after historyAfter: Int64?, withPayload: Bool,
                      _ reader: any BrokerQueries) throws(JournalError) -> ShowReply {
        let view = Mapping.view(execution)
        var reply = ShowReply(execution: view, history: [], payload: withPayload ? execution.payload : nil)
        // The payload's tagged entry: tag and length, the byte string's length prefix, the bytes.
        let payloadBytes = withPayload ? TaggedSectionSize.entryHeader + 4 + execution.payload.count : 0
        let empty = ReplySizing.showBytes(view, history: [], more: true) + payloadBytes
        var bytes = empty
        var after = historyAfter
        while true {
            let page = try reader.history(of: execution.id, after: after, limit: Self.historyReadPage)
            for entry in page {
                let history = Mapping.history(entry)
                let size = ReplySizing.showBytes(view, history: [history], more: true) - empty
                guard bytes + size <= config.maxFrameBytes, reply.history.count < WireLimits.maxHistoryEntries else {
                    reply.nextHistoryAfter = reply.history.last?.seq ?? historyAfter
                    return reply
                }
                bytes += size
                reply.history.append(history)
            }
            guard page.count == Self.historyReadPage, let last = page.last else { return reply }
            after = last.seq
        }
    }

    /// Every execution of a correlation id and their journal rows in seq order, as much as fits in one
    /// frame: executions (oldest first) up to half the frame, then rows from the oldest; what is left
    /// out is counted in the reply's `omitted…` tags.
    private func timeline(_ correlationId: String, _ reader: any BrokerQueries) throws(JournalError) -> TimelineReply {
        let rows = try reader.timeline(correlationId: correlationId)
        var ids: [ExecutionID] = []
        var seen = Set<ExecutionID>()
        for row in rows where seen.insert(row.executionId).inserted { ids.append(row.executionId) }
        let limit = config.maxFrameBytes
        var reply = TimelineReply(executions: [], entries: [])
        func size(_ reply: TimelineReply) -> Int {
            FrameCodec.encodedCount(Frame(requestId: 0, message: .timelineReply(reply)))
        }
        // Room for both omitted-count tags, so the final reply never outgrows the measure.
        let tagRoom = 2 * (TaggedSectionSize.entryHeader + 4)
        var bytes = size(reply) + tagRoom
        let emptyBytes = bytes
        for id in ids.sorted() {
            guard let execution = try reader.execution(id) else { continue }
            let view = Mapping.view(execution)
            let added = size(TimelineReply(executions: [view], entries: [])) + tagRoom - emptyBytes
            guard bytes + added <= limit / 2, reply.executions.count < WireLimits.maxListItems else { break }
            bytes += added
            reply.executions.append(view)
        }
        if reply.executions.count < ids.count { reply.omittedExecutions = UInt32(clamping: ids.count - reply.executions.count) }
        for row in rows {
            let entry = TimelineEntry(executionId: row.executionId, entry: Mapping.history(row))
            let added = size(TimelineReply(executions: [], entries: [entry])) + tagRoom - emptyBytes
            guard bytes + added <= limit, reply.entries.count < WireLimits.maxHistoryEntries else { break }
            bytes += added
            reply.entries.append(entry)
        }
        if reply.entries.count < rows.count { reply.omittedEntries = UInt32(clamping: rows.count - reply.entries.count) }
        return reply
    }

    /// History rows read per query while filling a page.
    static let historyReadPage = 500

    private func stats(_ reader: any BrokerQueries) throws(JournalError) -> StatsReply {
        let counts = try reader.counts()
        let (values, services) = counters.snapshot()
        return StatsReply(
            counts: counts.map {
                CompWire.StatusCount(status: $0.status.rawValue, parkReason: $0.parkReason?.rawValue ?? 0, count: UInt64($0.count))
            },
            services: services.sorted { $0.key < $1.key }.prefix(WireLimits.maxSmallList).map {
                ServiceStats(service: $0.key, paused: $0.value.paused, inFlight: UInt32(clamping: $0.value.inFlight),
                             waitingFetches: UInt32(clamping: $0.value.waitingFetches))
            },
            recordsAccepted: values.recordsAccepted, recordsDuplicate: values.recordsDuplicate,
            recordsStale: values.recordsStale, recordsRejected: values.recordsRejected,
            successesNotHeld: values.successesNotHeld, commandsDispatched: values.commandsDispatched,
            leasesExpired: values.leasesExpired,
            uptimeMs: UInt64(clamping: BrokerClock.wall().since(startedAt).milliseconds),
            dueNow: UInt64(try reader.dueCount(now: BrokerClock.wall(), limit: Int(StatsReply.dueNowLimit))),
            overview: Mapping.overview(try reader.failureOverview(now: BrokerClock.wall())))
    }

    func error(_ code: ErrorCode, _ text: String) -> Message {
        .error(ErrorReply(code: code.rawValue, message: text))
    }
}
