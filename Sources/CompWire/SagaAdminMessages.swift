// MARK: - Saga admin (compctl saga list | show | abort)

/// Asks for one page of sagas, the most recently changed first.
public struct SagaListRequest: Hashable, Sendable {
    /// Optional (tag 1): only sagas in this status (1 RUNNING … 5 STUCK); nil: any status.
    public var status: UInt8?
    /// "" for the first page, else the previous reply's `nextCursor`, unchanged (opaque to clients).
    public var cursor: String
    /// At most this many sagas (1...`WireLimits.maxListItems`).
    public var limit: UInt16

    /// Creates a request.
    public init(status: UInt8? = nil, cursor: String = "", limit: UInt16) {
        self.status = status
        self.cursor = cursor
        self.limit = limit
    }
}

/// One saga as the broker reports it: its status, steps count, deadline and why it aborted.
public struct SagaView: Hashable, Sendable {
    /// The saga id (by default the correlation id of its records).
    public var id: String
    /// 1 RUNNING, 2 COMPLETED, 3 ABORTING, 4 COMPENSATED, 5 STUCK.
    public var status: UInt8
    /// Steps the broker knows (declared, or started in choreography).
    public var stepCount: UInt16
    /// Broker time the saga was declared (ms since the epoch).
    public var createdAt: Int64
    /// Broker time of its latest change (ms since the epoch).
    public var updatedAt: Int64
    /// Optional (tag 1): its deadline (ms since the epoch).
    public var deadline: Int64?
    /// Optional (tag 2): why it aborted: 1 a step failed, 2 the deadline passed, 3 an operator aborted it.
    public var abortCause: UInt8?
    /// Optional (tag 3): with cause 1, the step that failed.
    public var abortStep: UInt16?

    /// Creates a view.
    public init(id: String, status: UInt8, stepCount: UInt16, createdAt: Int64, updatedAt: Int64,
                deadline: Int64? = nil, abortCause: UInt8? = nil, abortStep: UInt16? = nil) {
        self.id = id
        self.status = status
        self.stepCount = stepCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deadline = deadline
        self.abortCause = abortCause
        self.abortStep = abortStep
    }
}

/// The reply to `SagaListRequest`.
public struct SagaListReply: Hashable, Sendable {
    /// The sagas, most recently changed first.
    public var sagas: [SagaView]
    /// Pass back as `SagaListRequest.cursor` for the next page; "" when this page is the last.
    public var nextCursor: String

    /// Creates a reply.
    public init(sagas: [SagaView], nextCursor: String) {
        self.sagas = sagas
        self.nextCursor = nextCursor
    }
}

/// Asks for one saga: its steps and every journal row that belongs to it.
public struct SagaShowRequest: Hashable, Sendable {
    /// The saga id; not empty.
    public var sagaId: String

    /// Creates a request.
    public init(sagaId: String) { self.sagaId = sagaId }
}

/// One step of a saga: what it runs, where its forward and compensation stand, and their executions.
public struct SagaStepView: Hashable, Sendable {
    /// The step's index (0-based); compensation runs in decreasing index order.
    public var index: UInt16
    public var service: String
    public var processor: String
    /// The event id of the step's first record.
    public var eventId: String
    /// The forward function.
    public var forward: String
    /// The compensating function; "" when the step has nothing to undo.
    public var compensation: String
    /// 0 pending, 1 running, 2 succeeded, 3 failed.
    public var forwardState: UInt8
    /// 0 none, 1 not needed, 2 waiting, 3 running, 4 succeeded, 5 parked, 6 discarded.
    public var compensationState: UInt8
    /// The forward's outcome was unknown when the saga aborted (its barrier decides).
    public var forwardUnknown: Bool
    /// Optional (tag 1): the execution that runs the forward (absent when none was ever opened).
    public var forwardExecutionId: Int64?
    /// Optional (tag 2): the execution that runs the compensation (absent until the broker creates it).
    public var compensationExecutionId: Int64?

    /// Creates a step view.
    public init(index: UInt16, service: String, processor: String, eventId: String, forward: String,
                compensation: String, forwardState: UInt8, compensationState: UInt8, forwardUnknown: Bool = false,
                forwardExecutionId: Int64? = nil, compensationExecutionId: Int64? = nil) {
        self.index = index
        self.service = service
        self.processor = processor
        self.eventId = eventId
        self.forward = forward
        self.compensation = compensation
        self.forwardState = forwardState
        self.compensationState = compensationState
        self.forwardUnknown = forwardUnknown
        self.forwardExecutionId = forwardExecutionId
        self.compensationExecutionId = compensationExecutionId
    }
}

/// The reply to `SagaShowRequest`: the saga, its steps in index order and its journal rows in time order,
/// as many rows as fit in one frame.
public struct SagaShowReply: Hashable, Sendable {
    public var saga: SagaView
    /// In index order.
    public var steps: [SagaStepView]
    /// Every journal row of the saga in seq (time) order: records of its steps, their executions' rows and
    /// the saga's own rows (`executionId` 0 when a row belongs to no execution).
    public var history: [TimelineEntry]
    /// Optional (tag 1): later rows left out because the frame was full (absent when none).
    public var omittedEntries: UInt32?

    /// Creates a reply.
    public init(saga: SagaView, steps: [SagaStepView], history: [TimelineEntry], omittedEntries: UInt32? = nil) {
        self.saga = saga
        self.steps = steps
        self.history = history
        self.omittedEntries = omittedEntries
    }
}

/// An operator aborts a RUNNING saga: its forwards are fenced and the steps that ran are compensated.
public struct SagaAbortRequest: Hashable, Sendable {
    /// The saga id; not empty.
    public var sagaId: String
    /// Optional (tag 1): who asks, at most `WireLimits.maxActorBytes` bytes (`compctl:alice`, `http:ops`);
    /// journaled with the abort (`unknown` when absent).
    public var actor: String?

    /// Creates a request.
    public init(sagaId: String, actor: String? = nil) {
        self.sagaId = sagaId
        self.actor = actor
    }
}

/// The reply to `SagaAbortRequest` when the saga was aborted (a refusal is an `ErrorReply`).
public struct SagaAbortReply: Hashable, Sendable {
    /// The saga's status after the abort: 3 ABORTING (compensations under way) or 4 COMPENSATED (nothing
    /// needed compensation).
    public var status: UInt8

    /// Creates a reply.
    public init(status: UInt8) { self.status = status }
}
