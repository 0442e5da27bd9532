/// Where a saga stands.
public enum SagaStatus: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Steps are running forward.
    case running = 1
    /// Every step succeeded and no more steps may come; final.
    case completed = 2
    /// A step failed, the deadline passed or an operator aborted: the steps that ran are being compensated,
    /// last first.
    case aborting = 3
    /// Every step that ran is compensated; final (until a late forward success reopens it).
    case compensated = 4
    /// A compensation parked: an operator must retry or discard it.
    case stuck = 5

    /// The upper-case name used on screens and in JSON.
    public var description: String {
        switch self {
        case .running: "RUNNING"
        case .completed: "COMPLETED"
        case .aborting: "ABORTING"
        case .compensated: "COMPENSATED"
        case .stuck: "STUCK"
        }
    }
}

/// Why a saga aborted.
public enum SagaAbortCause: Hashable, Sendable {
    /// The forward of this step ended without success (unrecoverable, retries exhausted, or discarded).
    case stepFailed(Int)
    /// The deadline passed before every step succeeded.
    case deadline
    /// An operator aborted it.
    case operatorAbort

    /// The stored and wire code: 1 step failed, 2 deadline, 3 operator.
    public var code: UInt8 {
        switch self {
        case .stepFailed: 1
        case .deadline: 2
        case .operatorAbort: 3
        }
    }

    /// The step that failed, for `.stepFailed`.
    public var step: Int? {
        if case .stepFailed(let index) = self { return index }
        return nil
    }

    /// The cause stored as `code` (and `step` for code 1), or nil for an unknown code or a missing step.
    public init?(code: UInt8, step: Int?) {
        switch code {
        case 1:
            guard let step else { return nil }
            self = .stepFailed(step)
        case 2: self = .deadline
        case 3: self = .operatorAbort
        default: return nil
        }
    }

    /// Words for screens and compensation errors: "step 2 failed", "deadline passed", "operator abort".
    public var text: String {
        switch self {
        case .stepFailed(let index): "step \(index) failed"
        case .deadline: "deadline passed"
        case .operatorAbort: "operator abort"
        }
    }
}

/// One step of a saga: a forward function and the function that undoes it, both run by one service and
/// processor, for one event.
public struct SagaStepSpec: Hashable, Sendable {
    public var service: String
    /// The processor of the step's handlers (the compensation's execution key uses it too).
    public var processor: String
    /// The forward handler.
    public var forward: String
    /// The compensating handler; "" when there is nothing to undo.
    public var compensation: String
    /// The event of the step (the compensation's execution key uses it): the eventId of the step's first record.
    public var eventId: String
    /// The compensation's retry spec; nil: the broker's default.
    public var retry: RetrySpec?

    /// Creates a step.
    public init(
        service: String, processor: String = "", forward: String, compensation: String, eventId: String = "",
        retry: RetrySpec? = nil
    ) {
        self.service = service
        self.processor = processor
        self.forward = forward
        self.compensation = compensation
        self.eventId = eventId
        self.retry = retry
    }
}

/// What became of a step's forward.
public enum SagaForwardState: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Declared; not started.
    case pending = 0
    /// Started (a forward execution is open, or its service said it began); no final result yet.
    case running = 1
    /// Succeeded.
    case succeeded = 2
    /// Ended without success: it never took effect.
    case failed = 3

    /// The upper-case name used on screens and in JSON.
    public var description: String {
        switch self {
        case .pending: "PENDING"
        case .running: "RUNNING"
        case .succeeded: "SUCCEEDED"
        case .failed: "FAILED"
        }
    }
}

/// What became of a step's compensation.
public enum SagaCompensationState: Hashable, Sendable {
    /// None asked for (the saga is not aborting).
    case none
    /// Not needed: the forward never took effect (null compensation guard).
    case notNeeded
    /// Needed; waits until every later step is compensated or known never to have run.
    case waiting(forwardUnknown: Bool)
    /// Asked of the service; `forwardUnknown` when the forward's outcome is not known (its barrier decides).
    case running(forwardUnknown: Bool)
    /// Done.
    case succeeded
    /// Parked: an operator must act.
    case parked(forwardUnknown: Bool)
    /// An operator discarded it (resolved by hand).
    case discarded

    /// Whether the step needs nothing more for the abort to go past it.
    public var isSettled: Bool {
        switch self {
        case .notNeeded, .succeeded, .discarded: true
        case .none, .waiting, .running, .parked: false
        }
    }

    /// The stored code: 0 none, 1 not needed, 2 waiting, 3 running, 4 succeeded, 5 parked, 6 discarded.
    public var code: UInt8 {
        switch self {
        case .none: 0
        case .notNeeded: 1
        case .waiting: 2
        case .running: 3
        case .succeeded: 4
        case .parked: 5
        case .discarded: 6
        }
    }

    /// Whether the forward's outcome was unknown when the compensation was asked (waiting, running, parked).
    public var forwardUnknown: Bool {
        switch self {
        case .waiting(let unknown), .running(let unknown), .parked(let unknown): unknown
        case .none, .notNeeded, .succeeded, .discarded: false
        }
    }

    /// The state stored as `code` with its `forwardUnknown` flag, or nil for an unknown code.
    public init?(code: UInt8, forwardUnknown: Bool) {
        switch code {
        case 0: self = .none
        case 1: self = .notNeeded
        case 2: self = .waiting(forwardUnknown: forwardUnknown)
        case 3: self = .running(forwardUnknown: forwardUnknown)
        case 4: self = .succeeded
        case 5: self = .parked(forwardUnknown: forwardUnknown)
        case 6: self = .discarded
        default: return nil
        }
    }

    /// The upper-case name used on screens and in JSON: NONE, NOT_NEEDED, WAITING, RUNNING, SUCCEEDED,
    /// PARKED, DISCARDED.
    public var name: String {
        switch self {
        case .none: "NONE"
        case .notNeeded: "NOT_NEEDED"
        case .waiting: "WAITING"
        case .running: "RUNNING"
        case .succeeded: "SUCCEEDED"
        case .parked: "PARKED"
        case .discarded: "DISCARDED"
        }
    }
}

/// One step's state.
public struct SagaStep: Hashable, Sendable {
    /// nil: a gap, a step never declared (a later one arrived first); it never started and needs no compensation.
    public var spec: SagaStepSpec?
    public var forward: SagaForwardState
    public var compensation: SagaCompensationState

    /// Creates a step's state (nil `spec`: a gap).
    public init(spec: SagaStepSpec?, forward: SagaForwardState = .pending, compensation: SagaCompensationState = .none) {
        self.spec = spec
        self.forward = forward
        self.compensation = compensation
    }
}

/// What happened to a saga: the records and decisions the broker feeds it, in journal order.
public enum SagaInput: Hashable, Sendable {
    /// A step joins at the end (choreography: declared as it starts); `isLast` closes the list.
    case appendStep(SagaStepSpec, isLast: Bool)
    /// Step `index` is declared (choreography, maybe out of order: the steps before it that are not declared
    /// yet are gaps); a step already declared stays as it is. `isLast` closes the list after it.
    case declareStep(Int, SagaStepSpec, isLast: Bool)
    /// The step's forward began (its first record, or a `started` intent).
    case forwardStarted(step: Int)
    /// The step's forward succeeded.
    case forwardSucceeded(step: Int)
    /// The step's forward ended without success (parked unrecoverable or exhausted, or discarded).
    case forwardFailed(step: Int)
    /// The deadline's timer fired.
    case deadlineReached
    /// An operator aborts the saga.
    case abort
    /// The step's compensation succeeded.
    case compensationSucceeded(step: Int)
    /// The step's compensation parked.
    case compensationParked(step: Int)
    /// An operator retried the step's parked compensation.
    case compensationRetried(step: Int)
    /// An operator discarded the step's parked compensation (resolved by hand).
    case compensationDiscarded(step: Int)
}

/// What the broker must do after a saga took an input, in order.
public enum SagaEffect: Hashable, Sendable {
    /// Stop dispatching the step's forward and fence its lease: after an abort no forward command goes out.
    case fenceForward(step: Int)
    /// Ask the step's service to compensate it (create the compensation's execution, stable id per step).
    case compensate(step: Int, forwardUnknown: Bool)
    /// The saga's status changed (journal it, publish it).
    case status(SagaStatus)
}

/// Why a saga refused an input: it names a step it does not have, or a transition that cannot happen.
public enum SagaError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No step has this index.
    case unknownStep(Int)
    /// The step list is closed (a step said it was the last, or the saga was declared whole).
    case closed
    /// The input does not apply in the step's or saga's state (for example a retry of a compensation that
    /// is not parked).
    case notAllowed(String)

    public var description: String {
        switch self {
        case .unknownStep(let index): "the saga has no step \(index)"
        case .closed: "the saga's steps are closed: no step can be added"
        case .notAllowed(let text): text
        }
    }
}

