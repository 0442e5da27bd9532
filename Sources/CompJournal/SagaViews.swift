import CompModel

/// One saga in a list: its status, size, deadline and why it aborted.
public struct SagaSummary: Sendable, Equatable {
    public var id: String
    public var status: SagaStatus
    /// The steps declared so far (gaps, steps never declared, are not counted).
    public var stepCount: Int
    public var deadline: Timestamp?
    /// Set once the saga aborted.
    public var abortCause: SagaAbortCause?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    /// Creates a summary.
    public init(
        id: String, status: SagaStatus, stepCount: Int, deadline: Timestamp?, abortCause: SagaAbortCause?,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.status = status
        self.stepCount = stepCount
        self.deadline = deadline
        self.abortCause = abortCause
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One declared step of a saga, as stored.
public struct SagaStepRow: Sendable, Equatable {
    /// The step's index, 0-based.
    public var index: Int
    public var service: String
    public var processor: String
    public var eventId: String
    /// The forward function.
    public var forward: String
    /// The compensating function ("" when there is nothing to undo).
    public var compensation: String
    public var forwardState: SagaForwardState
    public var compensationState: SagaCompensationState
    /// The execution of the step's forward, once one failed (or an intent started it).
    public var forwardExecutionId: ExecutionID?
    /// The compensation's execution, once the broker asked for it.
    public var compensationExecutionId: ExecutionID?

    /// Creates a step row.
    public init(
        index: Int, service: String, processor: String, eventId: String, forward: String, compensation: String,
        forwardState: SagaForwardState, compensationState: SagaCompensationState, forwardExecutionId: ExecutionID?,
        compensationExecutionId: ExecutionID?
    ) {
        self.index = index
        self.service = service
        self.processor = processor
        self.eventId = eventId
        self.forward = forward
        self.compensation = compensation
        self.forwardState = forwardState
        self.compensationState = compensationState
        self.forwardExecutionId = forwardExecutionId
        self.compensationExecutionId = compensationExecutionId
    }
}

/// One saga in full: its summary, its declared steps by index, and every journal row that belongs to it.
public struct SagaDetail: Sendable, Equatable {
    public var summary: SagaSummary
    /// The declared steps, by index (a gap has no row).
    public var steps: [SagaStepRow]
    /// Every journal row of the saga in seq order: its records, its linked executions' rows, its own rows
    /// (`saga-step`, `saga-status`, `compensate`).
    public var history: [JournalEntry]

    /// Creates a detail.
    public init(summary: SagaSummary, steps: [SagaStepRow], history: [JournalEntry]) {
        self.summary = summary
        self.steps = steps
        self.history = history
    }
}

/// A saga's status change, made by a commit, for `SagaEvent` on the events socket.
public struct SagaChange: Sendable, Equatable {
    public var sagaId: String
    public var status: SagaStatus
    public var at: Timestamp
    /// The step that failed (cause `stepFailed`), when the change is an abort for it.
    public var step: Int?
    /// Why it aborted, on the change to ABORTING and after.
    public var cause: SagaAbortCause?

    /// Creates a change.
    public init(sagaId: String, status: SagaStatus, at: Timestamp, step: Int?, cause: SagaAbortCause?) {
        self.sagaId = sagaId
        self.status = status
        self.at = at
        self.step = step
        self.cause = cause
    }
}

/// What a record's SagaRef says, resolved by the broker (the saga id defaulted, the retry spec merged).
public struct SagaRecordRef: Hashable, Sendable {
    /// The saga (never empty: the broker put the correlation id in when the ref had none).
    public var sagaId: String
    /// The step's index, 0-based, below `Saga.maxSteps`.
    public var step: Int
    /// The compensating function; "" when there is nothing to undo.
    public var compensation: String
    /// This step closes the step list.
    public var isLast: Bool
    /// The saga's deadline, used when this record declares the saga.
    public var deadline: Timestamp?
    /// The compensation's retry spec (the ref's patch over the broker's defaults); nil: the defaults.
    public var retry: RetrySpec?

    /// Creates a ref.
    public init(
        sagaId: String, step: Int, compensation: String, isLast: Bool = false, deadline: Timestamp? = nil,
        retry: RetrySpec? = nil
    ) {
        self.sagaId = sagaId
        self.step = step
        self.compensation = compensation
        self.isLast = isLast
        self.deadline = deadline
        self.retry = retry
    }
}
