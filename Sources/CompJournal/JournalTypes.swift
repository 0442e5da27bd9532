import CompModel

/// How hard a commit waits for the disk.
public enum SyncMode: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: an acknowledged commit survives power loss.
    case full
    /// `synchronous=NORMAL`: survives a crash of the process, may lose the last commits on power loss.
    case normal
}

/// Where and how the journal stores its data.
public struct JournalOptions: Sendable {
    /// The SQLite database file.
    public var path: String
    /// FULL by default: an acknowledgement means durable.
    public var sync: SyncMode
    /// How long a finished execution (and its journal rows) is kept; at least 24 h (the dedupe window).
    public var retention: TimeSpan
    /// The writer connection's SQLite page cache, in KiB (`PRAGMA cache_size = -N`).
    public var cacheKiB: Int
    /// With `sync: .full`: COMMIT does not fsync (`synchronous=NORMAL`), and the caller makes commits
    /// durable with `WALSync.sync()` on a thread of its own before it acknowledges them (compd's
    /// `DurableOutbox`). False: COMMIT fsyncs (`synchronous=FULL`).
    public var callerSyncsWAL: Bool

    /// Creates options.
    public init(path: String, sync: SyncMode = .full, retention: TimeSpan = .seconds(7 * 24 * 3600),
                cacheKiB: Int = 8192, callerSyncsWAL: Bool = false) {
        self.path = path
        self.sync = sync
        self.retention = retention
        self.cacheKiB = max(64, cacheKiB)
        self.callerSyncsWAL = callerSyncsWAL
    }
}

/// A record as the broker hands it to the journal, already validated and mapped from the wire.
public struct IncomingRecord: Hashable, Sendable {
    /// What the record reports.
    public enum Kind: UInt8, Hashable, Sendable {
        case failure = 1
        case success = 2
        /// The persist-before-call intent: creates the key's execution PREPARED, leased to `intentLeaseHolder`.
        case started = 3
    }

    /// The client-made record id (dedupe key).
    public var id: RecordID
    public var kind: Kind { didSet { creationBody = nil } }
    public var key: ExecutionKey { didSet { creationBody = nil } }
    /// Empty when none.
    public var correlationId: String { didSet { creationBody = nil } }
    /// Set for failures.
    public var failure: FailureReport? { didSet { creationBody = nil } }
    /// The resolved spec (server default merged with the record's override); used only when the
    /// failure (or `started`) creates an execution. Must already be validated by the caller.
    public var spec: RetrySpec { didSet { creationBody = nil } }
    /// Handed back with every retry command; stored only when the failure creates the execution.
    public var payload: [UInt8] { didSet { creationBody = nil } }
    /// Set when the record is the result of a retry command: the execution and its fencing token.
    public var lease: (executionId: ExecutionID, token: UInt64)? { didSet { creationBody = nil } }
    /// The journal body this failure gets if it creates an execution, encoded ahead by `encodeCreationBody()`
    /// (nil: not encoded, or a field it depends on changed since). Not part of the record's value (`==`).
    public private(set) var creationBody: [UInt8]?
    /// The reporter's clock for a `started` record (a failure carries it in `failure`); kept for people.
    public var occurredAt: Timestamp?
    /// Set when the record is a saga step's forward (Record tag 7).
    public var saga: SagaRecordRef? {
        get { sagaBox?.ref }
        set { sagaBox = newValue.map(SagaRefBox.init) }
    }
    /// The ref behind one pointer: records without one (nearly all) stay as small, and as cheap to copy, as
    /// before sagas (callgrind: the inline ref cost about 2 % of ingest in copies).
    private var sagaBox: SagaRefBox?
    /// Whether the record has a SagaRef: the hot path's one check (no copy of the ref).
    var hasSaga: Bool { sagaBox != nil }

    /// Creates a record.
    public init(
        id: RecordID, kind: Kind, key: ExecutionKey, correlationId: String = "",
        failure: FailureReport? = nil, spec: RetrySpec = .standard, payload: [UInt8] = [],
        lease: (executionId: ExecutionID, token: UInt64)? = nil, saga: SagaRecordRef? = nil,
        occurredAt: Timestamp? = nil
    ) {
        self.occurredAt = occurredAt
        self.id = id
        self.kind = kind
        self.key = key
        self.correlationId = correlationId
        self.failure = failure
        self.spec = spec
        self.payload = payload
        self.lease = lease
        sagaBox = saga.map(SagaRefBox.init)
    }

    public static func == (lhs: IncomingRecord, rhs: IncomingRecord) -> Bool {
        lhs.id == rhs.id && lhs.kind == rhs.kind && lhs.key == rhs.key
            && lhs.correlationId == rhs.correlationId && lhs.failure == rhs.failure
            && lhs.spec == rhs.spec && lhs.payload == rhs.payload
            && lhs.lease?.executionId == rhs.lease?.executionId && lhs.lease?.token == rhs.lease?.token
            && lhs.occurredAt == rhs.occurredAt
            && lhs.saga == rhs.saga
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    /// Encodes the journal body this record gets if it creates an execution (a failure with its report, no lease,
    /// no saga), so the thread that decodes records does it instead of the writer: in a failure storm nearly every
    /// failure creates one, and the body was about 7 % of the writer's instructions per new failure (callgrind).
    /// Does nothing for other records. A failure that joins an open execution wastes this work, on that thread.
    public mutating func encodeCreationBody() {
        guard kind == .failure, lease == nil, !hasSaga, let failure else { return }
        creationBody = EntryBody.encodedCreation(failure, creation)  // `EntryBody.failure(failure, creation:).encoded`
    }

    /// What this record adds to the journal when it creates an execution.
    var creation: EntryBody.Creation {
        EntryBody.Creation(key: key, correlationId: correlationId, spec: spec, payload: payload)
    }
}

/// A SagaRef behind a reference (see `IncomingRecord.saga`); immutable, so `Sendable`.
final class SagaRefBox: Sendable {
    let ref: SagaRecordRef
    init(_ ref: SagaRecordRef) { self.ref = ref }
}

/// One unit of work inside a group commit.
public enum JournalCommand: Sendable {
    /// Apply a record (dedupe, fencing, create/join/close by key).
    case record(IncomingRecord)
    /// Lease up to `limit` due FAILED executions of `service` to `holder`, earliest due first, stopping
    /// before the leased executions' sizes would pass `budget.bytes` (the first always fits).
    case leaseDue(service: String, holder: String, limit: Int, budget: LeaseBudget)
    /// The retry command of lease `token` was not delivered: the execution goes back to the queue without
    /// costing an attempt (bounded by `Execution.maxReturns`; see `ExecutionInput.returnLease`).
    case returnLease(ExecutionID, token: UInt64)
    /// Expire up to `limit` leases whose deadline has passed (each counts as a failed attempt).
    case expireLeases(limit: Int)
    /// Extend a lease (the holder asks for more time).
    case extendLease(ExecutionID, token: UInt64, by: TimeSpan)
    /// An operator action on one execution (retryNow, applySpec, mark, changeFunction, park, discard);
    /// `actor` (who asked) is stored with the rows it writes.
    case operate(ExecutionID, ExecutionInput, actor: String? = nil)
    /// Pause or resume dispatch for a service (persisted, and journaled as a `paused` or `resumed` row with
    /// `actor`, so notifiers and the audit trail see it).
    case setPaused(service: String, paused: Bool, actor: String? = nil)
    /// Feed `deadlineReached` to up to `limit` RUNNING sagas whose deadline has passed.
    case sagaDeadlines(limit: Int)
    /// An operator aborts the RUNNING saga `id`.
    case abortSaga(id: String, actor: String? = nil)
    /// Declare saga `id` whole (orchestration): `steps` in order, closed, with an optional deadline.
    case declareSaga(id: String, steps: [SagaStepSpec], deadline: Timestamp?)
}

/// Why the journal refused a record or an action.
public enum JournalRejection: Error, Hashable, Sendable {
    /// No execution has that id.
    case unknownExecution
    /// A result's execution does not belong to the record's key (service or event id differ).
    case keyMismatch
    /// Another open execution already has the key the action would give it.
    case keyConflict
    /// The model refused the input.
    case model(ModelError)
    /// No saga has that id.
    case unknownSaga
    /// The saga is not RUNNING (an abort of a saga that already ended or aborts).
    case sagaNotRunning(SagaStatus)
    /// A record's SagaRef or a declaration the saga cannot take; the text names the field and why.
    case sagaInvalid(String)
    /// A `started` record for a step of a saga that is no longer RUNNING (the hanging guard: do not run it).
    case sagaAborted(id: String, status: SagaStatus)
    /// A declaration of an existing saga with a different step list.
    case sagaConflict
}

/// What happened to one record.
public enum RecordResult: Hashable, Sendable {
    /// Applied; the execution it created or changed.
    case accepted(ExecutionID)
    /// A success for a key with no open execution: acknowledged, not stored.
    case notHeld
    /// The record id was seen before; nothing changed. The execution of the first one, if any.
    case duplicate(ExecutionID?)
    /// A result for a lease that is not current: journaled, no state change.
    case stale(ExecutionID)
    /// Refused.
    case rejected(JournalRejection)
}

/// The result of one command, in command order.
public enum CommandResult: Sendable {
    case record(RecordResult)
    /// The executions now leased (PREPARED with their leases); may be empty.
    case leased([Execution])
    /// The executions whose leases expired, after the change (FAILED or PARKED).
    case expired([Execution])
    /// The new lease deadline, or why not.
    case extended(Result<Timestamp, JournalRejection>)
    /// The lease went back (or counted as an undelivered attempt), or why not (a token that is not
    /// current: `.model(.stale)`).
    case returned(Result<Void, JournalRejection>)
    /// The execution after the action, or why not.
    case operated(Result<Execution, JournalRejection>)
    case paused
    /// How many sagas the deadline aborted.
    case sagaDeadlines(Int)
    /// The saga aborted, or why not.
    case sagaAborted(Result<Void, JournalRejection>)
    /// Whether the declaration created the saga (false: already declared with the same steps), or why not.
    case sagaDeclared(Result<Bool, JournalRejection>)
}

/// One state change made by a commit, for events and notifications.
public struct StateChange: Hashable, Sendable {
    /// The journal row's sequence number.
    public var seq: Int64
    public var at: Timestamp
    /// The history kind (see `JournalEntry.kind`).
    public var kind: String
    /// The execution after the change.
    public var execution: Execution
    /// Who asked, for operator actions (`compctl:alice`, `http:ops`, `unknown`); nil for every other row.
    public var actor: String?

    public init(seq: Int64, at: Timestamp, kind: String, execution: Execution, actor: String? = nil) {
        self.seq = seq
        self.at = at
        self.kind = kind
        self.execution = execution
        self.actor = actor
    }
}

/// What one single-unit commit did (`Journal.commit(_:now:)`, a convenience for tests and tools).
public struct CommitResult: Sendable {
    /// One per command, in order.
    public var results: [CommandResult]
    /// Every state change, in journal order.
    public var changes: [StateChange]

    public init(results: [CommandResult], changes: [StateChange]) {
        self.results = results
        self.changes = changes
    }
}

/// One journal row of an execution's history.
public struct JournalEntry: Hashable, Sendable {
    public var seq: Int64
    public var at: Timestamp
    public var executionId: ExecutionID
    /// failure, success, failure-result, success-result, stale, leased, extended, timeout,
    /// retry, apply-spec, mark, change-function, park, discard, returned, started.
    public var kind: String
    /// Set for rows that are records.
    public var recordId: RecordID?
    /// One human-readable line.
    public var summary: String
    /// Who did it: set on rows of operator actions (since schema version 6).
    public var actor: String?

    public init(seq: Int64, at: Timestamp, executionId: ExecutionID, kind: String, recordId: RecordID?, summary: String,
                actor: String? = nil) {
        self.seq = seq
        self.at = at
        self.executionId = executionId
        self.kind = kind
        self.recordId = recordId
        self.summary = summary
        self.actor = actor
    }
}

/// Which executions a query means; every field that is set must match.
public struct ExecutionFilter: Hashable, Sendable {
    /// Empty means any status.
    public var statuses: Set<ExecutionStatus>
    public var parkReason: ParkReason?
    public var service: String?
    public var processor: String?
    public var function: String?
    public var eventId: String?
    public var correlationId: String?
    public var errorCode: String?
    /// The execution's recoverable value.
    public var recoverable: Recoverability?
    /// Created at or after this time.
    public var createdAfter: Timestamp?
    /// Created before this time.
    public var createdBefore: Timestamp?
    /// FAILED with the next retry at or before this time ("due by").
    public var nextRetryBefore: Timestamp?

    public init(
        statuses: Set<ExecutionStatus> = [], parkReason: ParkReason? = nil, service: String? = nil,
        processor: String? = nil, function: String? = nil, eventId: String? = nil,
        correlationId: String? = nil, errorCode: String? = nil, recoverable: Recoverability? = nil,
        createdAfter: Timestamp? = nil, createdBefore: Timestamp? = nil, nextRetryBefore: Timestamp? = nil
    ) {
        self.statuses = statuses
        self.parkReason = parkReason
        self.service = service
        self.processor = processor
        self.function = function
        self.eventId = eventId
        self.correlationId = correlationId
        self.errorCode = errorCode
        self.recoverable = recoverable
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.nextRetryBefore = nextRetryBefore
    }
}

/// The order of a list.
public enum ExecutionOrder: Sendable, Hashable {
    /// Decreasing id.
    case newest
    /// FAILED executions only, increasing (next retry, id): the one due first comes first.
    case nextRetry
}

/// Where a list page starts: after the execution `id` (and, for `.nextRetry`, its next retry `key`).
public struct ListPosition: Sendable, Hashable {
    public var id: ExecutionID
    /// The sort key of the row at the position: its next retry for `.nextRetry`; nil for `.newest`.
    public var key: Timestamp?

    /// Creates a position after execution `id` (with its sort key for `.nextRetry`).
    public init(id: ExecutionID, key: Timestamp? = nil) {
        self.id = id
        self.key = key
    }
}

/// A page of executions in the list's order.
public struct ExecutionPage: Sendable {
    public var executions: [Execution]
    /// Pass as `before` for the next page; nil when this was the last.
    public var nextCursor: ExecutionID?
    /// With `.nextRetry`, the next retry of the page's last row (the rest of the next page's position).
    public var nextCursorKey: Timestamp?

    public init(executions: [Execution], nextCursor: ExecutionID?, nextCursorKey: Timestamp? = nil) {
        self.executions = executions
        self.nextCursor = nextCursor
        self.nextCursorKey = nextCursorKey
    }
}

/// Failed attempts of one service with one error code in one bucket (`failure_counts`).
public struct FailureCount: Sendable, Hashable {
    /// The start of the bucket.
    public var bucket: Timestamp
    public var service: String
    public var code: String
    public var count: Int

    /// Creates a count.
    public init(bucket: Timestamp, service: String, code: String, count: Int) {
        self.bucket = bucket
        self.service = service
        self.code = code
        self.count = count
    }
}

/// Executions in one status and park reason.
public struct StatusCount: Hashable, Sendable {
    public var status: ExecutionStatus
    public var parkReason: ParkReason?
    public var count: Int

    public init(status: ExecutionStatus, parkReason: ParkReason?, count: Int) {
        self.status = status
        self.parkReason = parkReason
        self.count = count
    }
}
