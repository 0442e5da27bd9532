/// The message type byte of a frame header.
public enum MessageType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case helloReply = 0x02
    case heartbeat = 0x03
    case heartbeatReply = 0x04
    case recordBatch = 0x10
    case ack = 0x11
    case declareSaga = 0x12
    case sagaDeclared = 0x13
    case fetch = 0x20
    case commands = 0x21
    case extendLease = 0x22
    case leaseReply = 0x23
    case listRequest = 0x30
    case listReply = 0x31
    case showRequest = 0x32
    case showReply = 0x33
    case actionRequest = 0x34
    case actionReply = 0x35
    case statsRequest = 0x36
    case statsReply = 0x37
    case timelineRequest = 0x38
    case timelineReply = 0x39
    case notificationsRequest = 0x3A
    case notificationsReply = 0x3B
    case sagaListRequest = 0x50
    case sagaListReply = 0x51
    case sagaShowRequest = 0x52
    case sagaShowReply = 0x53
    case sagaAbortRequest = 0x54
    case sagaAbortReply = 0x55
    case keyCreateRequest = 0x60
    case keyCreateReply = 0x61
    case keyListRequest = 0x62
    case keyListReply = 0x63
    case keyRevokeRequest = 0x64
    case keyRevokeReply = 0x65
    case event = 0x40
    case serviceEvent = 0x41
    case sagaEvent = 0x42
    case error = 0x7F
}

/// One frame: the header fields and the message it carries.
public struct Frame: Hashable, Sendable {
    /// Header flags. Bit 0 (`AuthTrailer.flag`) means the frame ends with an auth trailer; the encoder sets or
    /// clears it from `auth`. Other bits are undefined in version 1: senders write 0, receivers ignore them.
    public var flags: UInt16
    /// Chosen by the requester, echoed in the reply.
    public var requestId: UInt32
    /// The message; its case decides the header's type byte.
    public var message: Message
    /// The auth trailer of a signed frame (flag bit 0), nil for an unsigned one.
    public var auth: AuthTrailer?

    /// Creates a frame.
    public init(requestId: UInt32, flags: UInt16 = 0, message: Message, auth: AuthTrailer? = nil) {
        self.requestId = requestId
        self.flags = flags
        self.message = message
        self.auth = auth
    }
}

/// Every message of protocol version 1.
public enum Message: Hashable, Sendable {
    case hello(Hello)
    case helloReply(HelloReply)
    case heartbeat(Heartbeat)
    case heartbeatReply(HeartbeatReply)
    case recordBatch(RecordBatch)
    case ack(Ack)
    case fetch(Fetch)
    case commands(Commands)
    case extendLease(ExtendLease)
    case leaseReply(LeaseReply)
    case listRequest(ListRequest)
    case listReply(ListReply)
    case showRequest(ShowRequest)
    case showReply(ShowReply)
    case actionRequest(ActionRequest)
    case actionReply(ActionReply)
    case statsRequest(StatsRequest)
    case statsReply(StatsReply)
    case timelineRequest(TimelineRequest)
    case timelineReply(TimelineReply)
    case notificationsRequest(NotificationsRequest)
    case notificationsReply(NotificationsReply)
    case sagaListRequest(SagaListRequest)
    case sagaListReply(SagaListReply)
    case sagaShowRequest(SagaShowRequest)
    case sagaShowReply(SagaShowReply)
    case sagaAbortRequest(SagaAbortRequest)
    case sagaAbortReply(SagaAbortReply)
    case keyCreateRequest(KeyCreateRequest)
    case keyCreateReply(KeyCreateReply)
    case keyListRequest(KeyListRequest)
    case keyListReply(KeyListReply)
    case keyRevokeRequest(KeyRevokeRequest)
    case keyRevokeReply(KeyRevokeReply)
    case event(Event)
    case serviceEvent(ServiceEvent)
    case declareSaga(DeclareSaga)
    case sagaDeclared(SagaDeclared)
    case sagaEvent(SagaEvent)
    case error(ErrorReply)

    /// The header type byte for this message.
    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .helloReply: .helloReply
        case .heartbeat: .heartbeat
        case .heartbeatReply: .heartbeatReply
        case .recordBatch: .recordBatch
        case .ack: .ack
        case .fetch: .fetch
        case .commands: .commands
        case .extendLease: .extendLease
        case .leaseReply: .leaseReply
        case .listRequest: .listRequest
        case .listReply: .listReply
        case .showRequest: .showRequest
        case .showReply: .showReply
        case .actionRequest: .actionRequest
        case .actionReply: .actionReply
        case .statsRequest: .statsRequest
        case .statsReply: .statsReply
        case .timelineRequest: .timelineRequest
        case .timelineReply: .timelineReply
        case .notificationsRequest: .notificationsRequest
        case .notificationsReply: .notificationsReply
        case .sagaListRequest: .sagaListRequest
        case .sagaListReply: .sagaListReply
        case .sagaShowRequest: .sagaShowRequest
        case .sagaShowReply: .sagaShowReply
        case .sagaAbortRequest: .sagaAbortRequest
        case .sagaAbortReply: .sagaAbortReply
        case .keyCreateRequest: .keyCreateRequest
        case .keyCreateReply: .keyCreateReply
        case .keyListRequest: .keyListRequest
        case .keyListReply: .keyListReply
        case .keyRevokeRequest: .keyRevokeRequest
        case .keyRevokeReply: .keyRevokeReply
        case .event: .event
        case .serviceEvent: .serviceEvent
        case .declareSaga: .declareSaga
        case .sagaDeclared: .sagaDeclared
        case .sagaEvent: .sagaEvent
        case .error: .error
        }
    }
}

// MARK: - Session

/// A client introduces itself; optional, but lets it learn the broker's limits.
public struct Hello: Hashable, Sendable {
    /// Free text naming the client program and version.
    public var clientName: String
    /// The subscriber instance name, or empty.
    public var instance: String
    public init(clientName: String, instance: String = "") {
        self.clientName = clientName
        self.instance = instance
    }
}

/// The broker's answer to `Hello`.
public struct HelloReply: Hashable, Sendable {
    /// Free text naming the broker and version.
    public var brokerName: String
    /// The largest frame the broker accepts.
    public var maxFrameBytes: UInt32
    /// The most records the broker accepts in one batch.
    public var maxBatchRecords: UInt32
    /// How often a client should send a heartbeat when otherwise idle.
    public var heartbeatIntervalMs: UInt32
    /// The broker's clock, ms since the epoch.
    public var serverTime: Int64
    public init(brokerName: String, maxFrameBytes: UInt32, maxBatchRecords: UInt32, heartbeatIntervalMs: UInt32, serverTime: Int64) {
        self.brokerName = brokerName
        self.maxFrameBytes = maxFrameBytes
        self.maxBatchRecords = maxBatchRecords
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.serverTime = serverTime
    }
}

/// An application heartbeat (nanomsg has no TCP keepalive).
public struct Heartbeat: Hashable, Sendable {
    /// The sender's clock, ms since the epoch.
    public var sentAt: Int64
    public init(sentAt: Int64) { self.sentAt = sentAt }
}

/// The broker's answer to `Heartbeat`.
public struct HeartbeatReply: Hashable, Sendable {
    /// The broker's clock, ms since the epoch.
    public var serverTime: Int64
    public init(serverTime: Int64) { self.serverTime = serverTime }
}

// MARK: - Records

/// What a record reports.
public enum RecordKind: UInt8, Sendable, CaseIterable {
    case failure = 1
    case success = 2
    /// The persist-before-call intent: the handler is about to run. Creates the key's execution, PREPARED and
    /// leased to holder `intent` for its execution timeout; the Ack's outcome carries the lease token.
    case started = 3
}

/// An error as carried on the wire.
public struct ErrorDetails: Hashable, Sendable {
    /// Short machine-readable code (≤ maxNameBytes).
    public var code: String
    /// Human-readable message (≤ maxMessageBytes).
    public var message: String
    /// Longer detail such as a stack trace (≤ maxDetailBytes); may be empty.
    public var detail: String
    public init(code: String, message: String, detail: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
    }
}

/// A full retry spec as the broker reports it.
public struct RetrySpecFields: Hashable, Sendable {
    public var maxRetries: UInt32
    public var minBackoffMs: UInt64
    public var maxBackoffMs: UInt64
    public var executionTimeoutMs: UInt64
    /// Thousandths, 0...1000.
    public var jitterPermille: UInt16
    /// Ms since the epoch; nil when there is none.
    public var deadline: Int64?
    public init(maxRetries: UInt32, minBackoffMs: UInt64, maxBackoffMs: UInt64, executionTimeoutMs: UInt64, jitterPermille: UInt16, deadline: Int64? = nil) {
        self.maxRetries = maxRetries
        self.minBackoffMs = minBackoffMs
        self.maxBackoffMs = maxBackoffMs
        self.executionTimeoutMs = executionTimeoutMs
        self.jitterPermille = jitterPermille
        self.deadline = deadline
    }
}

/// A partial retry spec: each field that is set replaces the broker's default (or current) value.
public struct RetrySpecPatch: Hashable, Sendable {
    public var maxRetries: UInt32?
    public var minBackoffMs: UInt64?
    public var maxBackoffMs: UInt64?
    public var executionTimeoutMs: UInt64?
    public var jitterPermille: UInt16?
    public var deadline: Int64?
    public init(maxRetries: UInt32? = nil, minBackoffMs: UInt64? = nil, maxBackoffMs: UInt64? = nil, executionTimeoutMs: UInt64? = nil, jitterPermille: UInt16? = nil, deadline: Int64? = nil) {
        self.maxRetries = maxRetries
        self.minBackoffMs = minBackoffMs
        self.maxBackoffMs = maxBackoffMs
        self.executionTimeoutMs = executionTimeoutMs
        self.jitterPermille = jitterPermille
        self.deadline = deadline
    }
}

/// Names the lease a result answers: the execution and the fencing token from its command.
public struct LeaseRef: Hashable, Sendable {
    public var executionId: Int64
    public var token: UInt64
    public init(executionId: Int64, token: UInt64) {
        self.executionId = executionId
        self.token = token
    }
}

/// One success or failure of one handler execution.
public struct Record: Hashable, Sendable {
    /// Client-made, unique per record; a resend carries the same id. Time-ordered (UUIDv7) ids are best.
    public var id: UInt128
    public var kind: RecordKind
    public var service: String
    public var processor: String
    public var function: String
    public var eventId: String
    /// The subscriber's clock when the handler finished, ms since the epoch.
    public var occurredAt: Int64
    /// Optional: the correlation id (for example an order id).
    public var correlationId: String?
    /// Optional: the error; required for a failure.
    public var error: ErrorDetails?
    /// Optional: 0 unknown, 1 recoverable, 2 unrecoverable.
    public var recoverable: UInt8?
    /// Optional: overrides of the broker's default retry spec, used when the failure creates an execution.
    public var retrySpec: RetrySpecPatch?
    /// Optional: bytes handed back with every retry command.
    public var payload: [UInt8]?
    /// Optional: set when this record is the result of a retry command.
    public var lease: LeaseRef?
    /// Optional (tag 7): set when this record is a saga step's forward.
    public var saga: SagaRef?

    public init(id: UInt128, kind: RecordKind, service: String, processor: String, function: String, eventId: String, occurredAt: Int64, correlationId: String? = nil, error: ErrorDetails? = nil, recoverable: UInt8? = nil, retrySpec: RetrySpecPatch? = nil, payload: [UInt8]? = nil, lease: LeaseRef? = nil, saga: SagaRef? = nil) {
        self.saga = saga
        self.id = id
        self.kind = kind
        self.service = service
        self.processor = processor
        self.function = function
        self.eventId = eventId
        self.occurredAt = occurredAt
        self.correlationId = correlationId
        self.error = error
        self.recoverable = recoverable
        self.retrySpec = retrySpec
        self.payload = payload
        self.lease = lease
    }
}

/// Records sent together; acknowledged together after one commit.
public struct RecordBatch: Hashable, Sendable {
    public var records: [Record]
    public init(records: [Record]) { self.records = records }
}

/// What happened to one record.
public enum OutcomeStatus: UInt8, Sendable, CaseIterable {
    /// Applied and durable.
    case accepted = 0
    /// Seen before (same record id); changed nothing.
    case duplicate = 1
    /// A result for a lease that is not current; journaled, changed no state.
    case stale = 2
    /// Refused; the outcome's code says why.
    case rejected = 3
}

/// The outcome of one record, in batch order.
public struct RecordOutcome: Hashable, Sendable {
    public var status: OutcomeStatus
    /// 0 unless `status == .rejected`: then an `ErrorCode` raw value.
    public var code: UInt16
    /// The execution the record applied to, or 0.
    public var executionId: Int64
    /// Tag 1: for a rejected record, which field broke which rule, as `field: rule` (for people;
    /// the code is the contract). Nil from brokers that do not send it.
    public var detail: String?
    /// Tag 2: for an accepted (or duplicate) `started` record, the fencing token of the intent's lease, to put
    /// in the result's `LeaseRef` with `executionId`. Nil otherwise.
    public var leaseToken: UInt64?
    public init(status: OutcomeStatus, code: UInt16 = 0, executionId: Int64 = 0, detail: String? = nil, leaseToken: UInt64? = nil) {
        self.status = status
        self.code = code
        self.executionId = executionId
        self.detail = detail
        self.leaseToken = leaseToken
    }
}

/// The reply to a `RecordBatch`, sent only after the records are committed.
public struct Ack: Hashable, Sendable {
    public var outcomes: [RecordOutcome]
    public init(outcomes: [RecordOutcome]) { self.outcomes = outcomes }
}

// MARK: - Dispatch

/// A subscriber asks for due retry commands of its service; the broker holds it up to `waitMs`.
public struct Fetch: Hashable, Sendable {
    public var service: String
    public var instance: String
    /// At most this many commands (1...maxCommands).
    public var max: UInt16
    /// How long the broker may hold the request when nothing is due.
    public var waitMs: UInt32
    public init(service: String, instance: String, max: UInt16, waitMs: UInt32) {
        self.service = service
        self.instance = instance
        self.max = max
        self.waitMs = waitMs
    }
}

/// A leased retry: run the handler again and report the result with the lease.
public struct RetryCommand: Hashable, Sendable {
    public var executionId: Int64
    /// 1 for the first retry.
    public var attempt: UInt32
    public var leaseToken: UInt64
    /// Ms since the epoch; without a result or extension by then, the attempt counts as failed.
    public var leaseDeadline: Int64
    public var service: String
    public var processor: String
    public var function: String
    public var eventId: String
    public var correlationId: String
    public var lastError: ErrorDetails
    public var payload: [UInt8]
    /// Optional (tag 1): set on every command of a saga step's compensation execution.
    public var saga: SagaCommandRef?
    public init(executionId: Int64, attempt: UInt32, leaseToken: UInt64, leaseDeadline: Int64, service: String, processor: String, function: String, eventId: String, correlationId: String, lastError: ErrorDetails, payload: [UInt8], saga: SagaCommandRef? = nil) {
        self.saga = saga
        self.executionId = executionId
        self.attempt = attempt
        self.leaseToken = leaseToken
        self.leaseDeadline = leaseDeadline
        self.service = service
        self.processor = processor
        self.function = function
        self.eventId = eventId
        self.correlationId = correlationId
        self.lastError = lastError
        self.payload = payload
    }
}

/// The reply to `Fetch`: zero or more commands.
public struct Commands: Hashable, Sendable {
    public var commands: [RetryCommand]
    public init(commands: [RetryCommand]) { self.commands = commands }
}

/// The lease holder asks for more time.
public struct ExtendLease: Hashable, Sendable {
    public var lease: LeaseRef
    /// The lease is extended to at least now + this.
    public var extendByMs: UInt32
    public init(lease: LeaseRef, extendByMs: UInt32) {
        self.lease = lease
        self.extendByMs = extendByMs
    }
}

/// The reply to `ExtendLease`.
public struct LeaseReply: Hashable, Sendable {
    /// `accepted` when extended, `stale` when the lease is no longer current.
    public var status: OutcomeStatus
    /// The lease deadline now in force (0 when stale).
    public var leaseDeadline: Int64
    public init(status: OutcomeStatus, leaseDeadline: Int64) {
        self.status = status
        self.leaseDeadline = leaseDeadline
    }
}

// MARK: - Admin

/// Which executions an admin request means; every field that is set must match.
public struct Filter: Hashable, Sendable {
    /// Status raw values (1 FAILED … 5 DISCARDED); empty means any.
    public var statuses: [UInt8]
    public var parkReason: UInt8?
    public var service: String?
    public var processor: String?
    public var function: String?
    public var eventId: String?
    public var correlationId: String?
    public var errorCode: String?
    /// Tag 8: the execution's recoverable value (0 unknown, 1 recoverable, 2 unrecoverable).
    public var recoverable: UInt8?
    /// Tag 9: created at or after this time (ms since the epoch).
    public var createdAfter: Int64?
    /// Tag 10: created before this time (ms since the epoch; exclusive).
    public var createdBefore: Int64?
    /// Tag 11: FAILED with the next retry at or before this time (ms since the epoch): "due by".
    public var nextRetryBefore: Int64?
    public init(statuses: [UInt8] = [], parkReason: UInt8? = nil, service: String? = nil, processor: String? = nil, function: String? = nil, eventId: String? = nil, correlationId: String? = nil, errorCode: String? = nil,
                recoverable: UInt8? = nil, createdAfter: Int64? = nil, createdBefore: Int64? = nil, nextRetryBefore: Int64? = nil) {
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

/// The order of a list (ListRequest tag 1).
public enum ListSort: UInt8, Hashable, Sendable, CaseIterable {
    /// Newest first: decreasing id. The cursor is the last id.
    case newest = 0
    /// FAILED executions only, earliest next retry first: increasing (nextRetryAt, id). The cursor is
    /// the last id and its nextRetryAt (`cursorKey`).
    case nextRetry = 1
}

/// Lists executions, newest first (or by next retry), a page at a time.
public struct ListRequest: Hashable, Sendable {
    public var filter: Filter
    /// 0 for the first page, else the previous reply's `nextCursor`.
    public var cursor: Int64
    /// 1...maxListItems.
    public var limit: UInt16
    /// Tag 1: the order; sent only when not `.newest`.
    public var sort: ListSort
    /// Tag 2: with `cursor`, the previous reply's `nextCursorKey` (the sort key of its last row); sent
    /// for `.nextRetry` pages after the first.
    public var cursorKey: Int64?
    public init(filter: Filter, cursor: Int64 = 0, limit: UInt16, sort: ListSort = .newest, cursorKey: Int64? = nil) {
        self.filter = filter
        self.cursor = cursor
        self.limit = limit
        self.sort = sort
        self.cursorKey = cursorKey
    }
}

/// An execution as the broker shows it.
public struct ExecutionView: Hashable, Sendable {
    public var id: Int64
    public var status: UInt8
    /// 0 when not parked.
    public var parkReason: UInt8
    public var recoverable: UInt8
    public var markedByOperator: Bool
    public var retries: UInt32
    public var spec: RetrySpecFields
    public var service: String
    public var processor: String
    public var function: String
    public var eventId: String
    public var correlationId: String
    public var error: ErrorDetails
    public var nextRetryAt: Int64?
    public var leaseHolder: String?
    public var leaseUntil: Int64?
    public var leaseToken: UInt64?
    public var payloadBytes: UInt32
    public var createdAt: Int64
    public var updatedAt: Int64
    public init(id: Int64, status: UInt8, parkReason: UInt8, recoverable: UInt8, markedByOperator: Bool, retries: UInt32, spec: RetrySpecFields, service: String, processor: String, function: String, eventId: String, correlationId: String, error: ErrorDetails, nextRetryAt: Int64? = nil, leaseHolder: String? = nil, leaseUntil: Int64? = nil, leaseToken: UInt64? = nil, payloadBytes: UInt32, createdAt: Int64, updatedAt: Int64) {
        self.id = id
        self.status = status
        self.parkReason = parkReason
        self.recoverable = recoverable
        self.markedByOperator = markedByOperator
        self.retries = retries
        self.spec = spec
        self.service = service
        self.processor = processor
        self.function = function
        self.eventId = eventId
        self.correlationId = correlationId
        self.error = error
        self.nextRetryAt = nextRetryAt
        self.leaseHolder = leaseHolder
        self.leaseUntil = leaseUntil
        self.leaseToken = leaseToken
        self.payloadBytes = payloadBytes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The reply to `ListRequest`.
public struct ListReply: Hashable, Sendable {
    public var executions: [ExecutionView]
    /// Pass back for the next page; 0 when this was the last.
    public var nextCursor: Int64
    /// Tag 1: with a `nextCursor` of a `.nextRetry` listing, the sort key of the page's last row
    /// (its nextRetryAt), to pass back as `ListRequest.cursorKey`.
    public var nextCursorKey: Int64?
    public init(executions: [ExecutionView], nextCursor: Int64, nextCursorKey: Int64? = nil) {
        self.executions = executions
        self.nextCursor = nextCursor
        self.nextCursorKey = nextCursorKey
    }
}

/// Asks for one execution and a page of its history.
public struct ShowRequest: Hashable, Sendable {
    public var executionId: Int64
    /// Optional (tag 1): only history rows whose `seq` is greater than this; nil from the first row.
    /// Pass the previous reply's `nextHistoryAfter` to read the next page.
    public var historyAfter: Int64?
    /// Optional (tag 2): true asks for the execution's payload in the reply (`ShowReply.payload`).
    /// Sent only when true.
    public var withPayload: Bool
    public init(executionId: Int64, historyAfter: Int64? = nil, withPayload: Bool = false) {
        self.executionId = executionId
        self.historyAfter = historyAfter
        self.withPayload = withPayload
    }
}

/// One journal row of an execution's history.
public struct HistoryEntry: Hashable, Sendable {
    /// The journal sequence number.
    public var seq: Int64
    /// Broker time, ms since the epoch.
    public var at: Int64
    /// What happened: a short lower-case word such as `failure`, `leased`, `timeout`, `retry`.
    public var kind: String
    /// The record id, when the row is a record.
    public var recordId: UInt128?
    /// One line of detail.
    public var summary: String
    /// Tag 2: who did it, on rows of operator actions (`compctl:alice`, `http:ops`, `unknown`).
    public var actor: String?
    public init(seq: Int64, at: Int64, kind: String, recordId: UInt128? = nil, summary: String, actor: String? = nil) {
        self.seq = seq
        self.at = at
        self.kind = kind
        self.recordId = recordId
        self.summary = summary
        self.actor = actor
    }
}

/// The reply to `ShowRequest`: the execution and one page of its history.
public struct ShowReply: Hashable, Sendable {
    public var execution: ExecutionView
    /// Oldest first, starting after the request's `historyAfter`.
    public var history: [HistoryEntry]
    /// Optional (tag 1): present when more history rows follow this page; the `seq` of its last row, to
    /// send back as `ShowRequest.historyAfter`. Absent when the page ends the history.
    public var nextHistoryAfter: Int64?
    /// Optional (tag 2): the execution's payload, when the request asked for it (`withPayload`).
    public var payload: [UInt8]?
    public init(execution: ExecutionView, history: [HistoryEntry], nextHistoryAfter: Int64? = nil, payload: [UInt8]? = nil) {
        self.execution = execution
        self.history = history
        self.nextHistoryAfter = nextHistoryAfter
        self.payload = payload
    }
}

/// An operator action.
public enum AdminAction: Hashable, Sendable {
    case retryNow
    case discard
    case park
    /// 0 unknown, 1 recoverable, 2 unrecoverable.
    case mark(UInt8)
    case applySpec(RetrySpecPatch)
    case changeFunction(String)
    case pause
    case resume
}

/// What an action applies to.
public enum ActionTarget: Hashable, Sendable {
    case execution(Int64)
    case filter(Filter)
    /// For pause and resume.
    case service(String)
}

/// Asks the broker to carry out an operator action.
public struct ActionRequest: Hashable, Sendable {
    public var action: AdminAction
    public var target: ActionTarget
    /// Optional (tag 1): with `retryNow`, also retry executions leased right now, fencing the current
    /// lease (its holder's result is then refused as stale). Sent only when true.
    public var force: Bool
    /// Optional (tag 2): who asks, UTF-8, at most `WireLimits.maxActorBytes` bytes (`compctl:alice`,
    /// `http:ops`); the broker stores it with the rows the action writes (`unknown` when absent).
    public var actor: String?
    public init(action: AdminAction, target: ActionTarget, force: Bool = false, actor: String? = nil) {
        self.action = action
        self.target = target
        self.force = force
        self.actor = actor
    }
}

/// One execution an action could not be applied to.
public struct ActionFailure: Hashable, Sendable {
    public var executionId: Int64
    public var code: UInt16
    public var message: String
    public init(executionId: Int64, code: UInt16, message: String) {
        self.executionId = executionId
        self.code = code
        self.message = message
    }
}

/// The reply to `ActionRequest`.
public struct ActionReply: Hashable, Sendable {
    /// Executions the target matched.
    public var matched: UInt32
    /// Executions the action changed.
    public var changed: UInt32
    /// Up to maxSmallList executions it could not change, and why.
    public var failures: [ActionFailure]
    public init(matched: UInt32, changed: UInt32, failures: [ActionFailure]) {
        self.matched = matched
        self.changed = changed
        self.failures = failures
    }
}

/// Asks for counters.
public struct StatsRequest: Hashable, Sendable {
    public init() {}
}

/// Executions in one status (and park reason, 0 for none).
public struct StatusCount: Hashable, Sendable {
    public var status: UInt8
    public var parkReason: UInt8
    public var count: UInt64
    public init(status: UInt8, parkReason: UInt8, count: UInt64) {
        self.status = status
        self.parkReason = parkReason
        self.count = count
    }
}

/// Dispatch state of one service.
public struct ServiceStats: Hashable, Sendable {
    public var service: String
    public var paused: Bool
    public var inFlight: UInt32
    public var waitingFetches: UInt32
    public init(service: String, paused: Bool, inFlight: UInt32, waitingFetches: UInt32) {
        self.service = service
        self.paused = paused
        self.inFlight = inFlight
        self.waitingFetches = waitingFetches
    }
}

/// The reply to `StatsRequest`.
public struct StatsReply: Hashable, Sendable {
    public var counts: [StatusCount]
    public var services: [ServiceStats]
    /// Since the broker started.
    public var recordsAccepted: UInt64
    public var recordsDuplicate: UInt64
    public var recordsStale: UInt64
    public var recordsRejected: UInt64
    /// Successes for executions the broker does not hold (acknowledged, not stored).
    public var successesNotHeld: UInt64
    public var commandsDispatched: UInt64
    public var leasesExpired: UInt64
    public var uptimeMs: UInt64
    /// Tag 1: FAILED executions due now (next retry at or before the broker's clock), counted up to
    /// `StatsReply.dueNowLimit`; that value means "at least".
    public var dueNow: UInt64?
    /// Tag 2: failures over the last day per service and the top error codes.
    public var overview: Overview?
    /// The most due executions a broker counts for `dueNow`.
    public static let dueNowLimit: UInt64 = 10_000
    public init(counts: [StatusCount], services: [ServiceStats], recordsAccepted: UInt64, recordsDuplicate: UInt64, recordsStale: UInt64, recordsRejected: UInt64, successesNotHeld: UInt64, commandsDispatched: UInt64, leasesExpired: UInt64, uptimeMs: UInt64,
                dueNow: UInt64? = nil, overview: Overview? = nil) {
        self.dueNow = dueNow
        self.overview = overview
        self.counts = counts
        self.services = services
        self.recordsAccepted = recordsAccepted
        self.recordsDuplicate = recordsDuplicate
        self.recordsStale = recordsStale
        self.recordsRejected = recordsRejected
        self.successesNotHeld = successesNotHeld
        self.commandsDispatched = commandsDispatched
        self.leasesExpired = leasesExpired
        self.uptimeMs = uptimeMs
    }
}

/// Failures of one service per time bucket (oldest bucket first).
public struct ServiceSeries: Hashable, Sendable {
    public var service: String
    /// One count per bucket of the overview, oldest first.
    public var counts: [UInt64]
    /// Creates a series.
    public init(service: String, counts: [UInt64]) {
        self.service = service
        self.counts = counts
    }
}

/// How many failures carried one error code.
public struct ErrorCount: Hashable, Sendable {
    public var code: String
    public var count: UInt64
    /// Creates a count.
    public init(code: String, count: UInt64) {
        self.code = code
        self.count = count
    }
}

/// The overview of recent failures (StatsReply tag 2): failed attempts per service per bucket, and the
/// error codes seen most in the last hour and the last day.
public struct Overview: Hashable, Sendable {
    /// The width of one bucket (compd: one hour).
    public var bucketMs: UInt64
    /// The start of the first bucket (ms since the epoch).
    public var since: Int64
    /// One series per service that failed in the window, by service name; each has the same number of
    /// buckets, the last one holding the current (partial) bucket.
    public var series: [ServiceSeries]
    /// At most 10 codes, most failures first (ties by code).
    public var topErrorsHour: [ErrorCount]
    /// At most 10 codes, most failures first (ties by code).
    public var topErrorsDay: [ErrorCount]
    /// Creates an overview.
    public init(bucketMs: UInt64, since: Int64, series: [ServiceSeries], topErrorsHour: [ErrorCount], topErrorsDay: [ErrorCount]) {
        self.bucketMs = bucketMs
        self.since = since
        self.series = series
        self.topErrorsHour = topErrorsHour
        self.topErrorsDay = topErrorsDay
    }
}

// MARK: - Events and errors

/// A state change, published on the PUB socket (best effort; request id 0).
public struct Event: Hashable, Sendable {
    /// The journal sequence number of the change.
    public var seq: Int64
    public var at: Int64
    public var executionId: Int64
    /// What happened, as in `HistoryEntry.kind`.
    public var kind: String
    /// The status after the change.
    public var status: UInt8
    public var parkReason: UInt8
    public var retries: UInt32
    public var service: String
    public var processor: String
    public var function: String
    public var eventId: String
    public var correlationId: String
    /// The latest error code, or empty.
    public var errorCode: String
    /// The latest error message, or empty.
    public var errorMessage: String
    /// Optional (tag 1): who asked, on the rows of operator actions (`compctl:alice`, `http:ops`,
    /// `unknown`), as `HistoryEntry.actor`; absent on every other row.
    public var actor: String?
    public init(seq: Int64, at: Int64, executionId: Int64, kind: String, status: UInt8, parkReason: UInt8, retries: UInt32, service: String, processor: String, function: String, eventId: String, correlationId: String, errorCode: String, errorMessage: String, actor: String? = nil) {
        self.actor = actor
        self.seq = seq
        self.at = at
        self.executionId = executionId
        self.kind = kind
        self.status = status
        self.parkReason = parkReason
        self.retries = retries
        self.service = service
        self.processor = processor
        self.function = function
        self.eventId = eventId
        self.correlationId = correlationId
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}

/// The reply to any request the broker cannot serve.
public struct ErrorReply: Hashable, Sendable {
    /// An `ErrorCode` raw value; receivers treat unknown codes as errors too.
    public var code: UInt16
    public var message: String
    public init(code: UInt16, message: String) {
        self.code = code
        self.message = message
    }
}

// MARK: - Timeline and service events

/// Asks for every execution and journal row of one correlation id, across services.
public struct TimelineRequest: Hashable, Sendable {
    /// The correlation id; not empty.
    public var correlationId: String
    public init(correlationId: String) { self.correlationId = correlationId }
}

/// One journal row of a timeline: the execution it belongs to and the row.
public struct TimelineEntry: Hashable, Sendable {
    public var executionId: Int64
    public var entry: HistoryEntry
    public init(executionId: Int64, entry: HistoryEntry) {
        self.executionId = executionId
        self.entry = entry
    }
}

/// The reply to `TimelineRequest`: the executions (oldest first) and their rows in journal order, as
/// many as fit in one frame.
public struct TimelineReply: Hashable, Sendable {
    /// The executions with the correlation id, oldest first.
    public var executions: [ExecutionView]
    /// Their journal rows, in `seq` (time) order.
    public var entries: [TimelineEntry]
    /// Optional (tag 1): executions left out because the frame was full (absent when none).
    public var omittedExecutions: UInt32?
    /// Optional (tag 2): rows left out at the end because the frame was full (absent when none).
    public var omittedEntries: UInt32?
    public init(executions: [ExecutionView], entries: [TimelineEntry], omittedExecutions: UInt32? = nil,
                omittedEntries: UInt32? = nil) {
        self.executions = executions
        self.entries = entries
        self.omittedExecutions = omittedExecutions
        self.omittedEntries = omittedEntries
    }
}

/// A service-level change published on the event socket: dispatch paused or resumed.
public struct ServiceEvent: Hashable, Sendable {
    /// Broker time of the change, ms since the epoch.
    public var at: Int64
    /// `pause` or `resume` (later versions may add kinds).
    public var kind: String
    /// The service.
    public var service: String
    public init(at: Int64, kind: String, service: String) {
        self.at = at
        self.kind = kind
        self.service = service
    }
}
