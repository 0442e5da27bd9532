// MARK: - Sagas (issue 13)

/// Marks a record as the forward of a saga step (Record tag 7).
public struct SagaRef: Hashable, Sendable {
    /// The saga; "" means the record's correlationId (which must then not be empty).
    public var sagaId: String
    /// The step's index, 0-based, below 100; compensation runs in reverse index order.
    public var step: UInt16
    /// The compensating function (same service and processor); "" when there is nothing to undo.
    public var compensation: String
    /// Optional (tag 1): 1 when this step is the last (closes the step list).
    public var last: Bool?
    /// Optional (tag 2): the saga's deadline (ms since the epoch), used when this record declares the saga.
    public var deadline: Int64?
    /// Optional (tag 3): the compensation's retry spec over the broker's defaults.
    public var retrySpec: RetrySpecPatch?

    /// Creates a ref.
    public init(
        sagaId: String, step: UInt16, compensation: String, last: Bool? = nil, deadline: Int64? = nil,
        retrySpec: RetrySpecPatch? = nil
    ) {
        self.sagaId = sagaId
        self.step = step
        self.compensation = compensation
        self.last = last
        self.deadline = deadline
        self.retrySpec = retrySpec
    }
}

/// Sent with every retry command of a compensation execution (RetryCommand tag 1).
public struct SagaCommandRef: Hashable, Sendable {
    public var sagaId: String
    public var step: UInt16
    /// 1: the forward's outcome is unknown (it was in flight at the abort); the service's barrier decides.
    public var forwardUnknown: UInt8

    /// Creates a marker.
    public init(sagaId: String, step: UInt16, forwardUnknown: UInt8) {
        self.sagaId = sagaId
        self.step = step
        self.forwardUnknown = forwardUnknown
    }
}

/// One step of an explicitly declared saga.
public struct SagaStepDecl: Hashable, Sendable {
    public var service: String
    public var processor: String
    /// The forward function.
    public var forward: String
    /// The compensating function; "" when there is nothing to undo.
    public var compensation: String
    /// Optional (tag 1): the compensation's retry spec over the broker's defaults.
    public var retrySpec: RetrySpecPatch?

    /// Creates a step declaration.
    public init(service: String, processor: String, forward: String, compensation: String, retrySpec: RetrySpecPatch? = nil) {
        self.service = service
        self.processor = processor
        self.forward = forward
        self.compensation = compensation
        self.retrySpec = retrySpec
    }
}

/// Declares a saga whole (orchestration): its steps in order, closed, with an optional deadline.
public struct DeclareSaga: Hashable, Sendable {
    public var sagaId: String
    /// 1…100 steps.
    public var steps: [SagaStepDecl]
    /// Optional (tag 1): the deadline, ms since the epoch.
    public var deadline: Int64?

    /// Creates a declaration.
    public init(sagaId: String, steps: [SagaStepDecl], deadline: Int64? = nil) {
        self.sagaId = sagaId
        self.steps = steps
        self.deadline = deadline
    }
}

/// The broker's answer to `DeclareSaga`.
public struct SagaDeclared: Hashable, Sendable {
    /// 1: created; 0: it was already declared with the same steps (idempotent).
    public var created: UInt8

    /// Creates an answer.
    public init(created: UInt8) { self.created = created }
}

/// A saga's status changed (published on PUB, request id 0).
public struct SagaEvent: Hashable, Sendable {
    public var sagaId: String
    /// SagaStatus 1…5: RUNNING, COMPLETED, ABORTING, COMPENSATED, STUCK.
    public var status: UInt8
    /// Broker time of the change.
    public var at: Int64
    /// Optional (tag 1): the step that failed (cause 1).
    public var step: UInt16?
    /// Optional (tag 2): why it aborted: 1 step failed, 2 deadline, 3 operator.
    public var cause: UInt8?

    /// Creates an event.
    public init(sagaId: String, status: UInt8, at: Int64, step: UInt16? = nil, cause: UInt8? = nil) {
        self.sagaId = sagaId
        self.status = status
        self.at = at
        self.step = step
        self.cause = cause
    }
}
