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
}

/// One step of a saga: a forward function and the function that undoes it, both run by one service.
public struct SagaStepSpec: Hashable, Sendable {
    public var service: String
    /// The forward handler.
    public var forward: String
    /// The compensating handler.
    public var compensation: String
    /// The compensation's retry spec; nil: the broker's default.
    public var retry: RetrySpec?

    public init(service: String, forward: String, compensation: String, retry: RetrySpec? = nil) {
        self.service = service
        self.forward = forward
        self.compensation = compensation
        self.retry = retry
    }
}

/// What became of a step's forward.
public enum SagaForwardState: Hashable, Sendable {
    /// Declared; not started.
    case pending
    /// Started (a forward execution is open, or its service said it began); no final result yet.
    case running
    /// Succeeded.
    case succeeded
    /// Ended without success: it never took effect.
    case failed
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
    var isSettled: Bool {
        switch self {
        case .notNeeded, .succeeded, .discarded: true
        case .none, .waiting, .running, .parked: false
        }
    }
}

/// One step's state.
public struct SagaStep: Hashable, Sendable {
    public var spec: SagaStepSpec
    public var forward: SagaForwardState
    public var compensation: SagaCompensationState

    public init(spec: SagaStepSpec, forward: SagaForwardState = .pending, compensation: SagaCompensationState = .none) {
        self.spec = spec
        self.forward = forward
        self.compensation = compensation
    }
}

/// What happened to a saga: the records and decisions the broker feeds it, in journal order.
public enum SagaInput: Hashable, Sendable {
    /// A step joins (choreography: declared as it starts); `isLast` closes the list.
    case appendStep(SagaStepSpec, isLast: Bool)
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

/// A saga: ordered steps, each a forward and a compensation, and an optional deadline. A value: it takes
/// inputs and returns effects, with no clock and no I/O (the broker journals the input, then carries out
/// the effects).
///
/// The rules (DTM's saga and its barrier, decided in the broker where it can):
/// - It aborts when a step's forward fails, the deadline passes before it completes, or an operator says so.
///   Then no forward is dispatched again (running ones are fenced), and the steps that ran are compensated
///   last first: step *i* only once every later step is compensated or known never to have run.
/// - Null compensation: a step whose forward never took effect (pending, or failed) gets none. One whose
///   outcome is unknown (still running at the abort) is compensated with `forwardUnknown`, and the service's
///   barrier decides.
/// - Hanging: a forward success that arrives after the abort is kept, and compensated if no compensation
///   covered that step; a forward start after the abort is fenced at once.
/// - Each step is compensated at most once (a result repeated is a duplicate at the execution level; here a
///   second success changes nothing).
public struct Saga: Hashable, Sendable {
    public let id: String
    public private(set) var steps: [SagaStep]
    /// No step may be added (declared whole, or a step said it was the last).
    public private(set) var isClosed: Bool
    public let deadline: Timestamp?
    public private(set) var status: SagaStatus
    public private(set) var abortCause: SagaAbortCause?

    /// A saga with `steps` (maybe none yet, for choreography) and an optional deadline.
    ///
    /// - Parameter isClosed: true when `steps` is the whole list.
    public init(id: String, steps: [SagaStepSpec], isClosed: Bool, deadline: Timestamp?) {
        self.id = id
        self.steps = steps.map { SagaStep(spec: $0) }
        self.isClosed = isClosed
        self.deadline = deadline
        status = .running
        abortCause = nil
    }

    /// When the scheduler must deliver `deadlineReached`: the deadline while the saga runs, else nil.
    public var nextDeadline: Timestamp? { status == .running ? deadline : nil }

    /// Applies `input` and returns what the broker must do, in order.
    ///
    /// - Throws: `SagaError` when the input names no step, adds to a closed saga, or cannot happen in the
    ///   current state; the saga is unchanged then.
    public mutating func apply(_ input: SagaInput) throws(SagaError) -> [SagaEffect] {
        var copy = self
        let effects = try copy.applying(input)
        self = copy
        return effects
    }

    private mutating func applying(_ input: SagaInput) throws(SagaError) -> [SagaEffect] {
        switch input {
        case .appendStep(let spec, let isLast):
            guard !isClosed else { throw .closed }
            // Added after the abort, it never runs forward, so it needs no compensation (unless a late
            // success says it ran after all).
            steps.append(SagaStep(spec: spec, compensation: status == .running ? .none : .notNeeded))
            if isLast { isClosed = true }
            return []
        case .forwardStarted(let index):
            try check(index)
            guard steps[index].forward == .pending else { return [] }
            steps[index].forward = .running
            return status == .running ? [] : [.fenceForward(step: index)]
        case .forwardSucceeded(let index):
            try check(index)
            return forwardSucceeded(index)
        case .forwardFailed(let index):
            try check(index)
            guard steps[index].forward != .succeeded, steps[index].forward != .failed else { return [] }
            steps[index].forward = .failed
            guard status == .running else {
                // Its outcome is known now: it never took effect. A compensation not yet asked is not needed.
                if case .waiting = steps[index].compensation { steps[index].compensation = .notNeeded }
                return advance()
            }
            return abort(.stepFailed(index))
        case .deadlineReached:
            guard status == .running else { return [] }
            return abort(.deadline)
        case .abort:
            guard status == .running else { throw .notAllowed("only a RUNNING saga can be aborted; this one is \(status)") }
            return abort(.operatorAbort)
        case .compensationSucceeded(let index):
            try check(index)
            switch steps[index].compensation {
            case .running, .parked:
                steps[index].compensation = .succeeded
                return advance()
            default:
                return []  // a repeat, or a result for a compensation never asked: changes nothing
            }
        case .compensationParked(let index):
            try check(index)
            guard case .running(let unknown) = steps[index].compensation else { return [] }
            steps[index].compensation = .parked(forwardUnknown: unknown)
            return setStatus(.stuck)
        case .compensationRetried(let index):
            try check(index)
            guard case .parked(let unknown) = steps[index].compensation else {
                throw .notAllowed("step \(index)'s compensation is not parked")
            }
            steps[index].compensation = .running(forwardUnknown: unknown)
            return setStatus(stuckStep == nil ? .aborting : .stuck)
        case .compensationDiscarded(let index):
            try check(index)
            guard case .parked = steps[index].compensation else {
                throw .notAllowed("step \(index)'s compensation is not parked")
            }
            steps[index].compensation = .discarded
            return advance()
        }
    }

    private func check(_ index: Int) throws(SagaError) {
        guard steps.indices.contains(index) else { throw .unknownStep(index) }
    }

    private mutating func forwardSucceeded(_ index: Int) -> [SagaEffect] {
        let before = steps[index].forward
        guard before != .succeeded else { return [] }  // a repeat
        steps[index].forward = .succeeded
        switch status {
        case .running:
            if isClosed, steps.allSatisfy({ $0.forward == .succeeded }) { return setStatus(.completed) }
            return []
        case .completed:
            return []
        case .aborting, .compensated, .stuck:
            // Late (hanging): a compensation already asked, or done, covers it (the service's barrier keeps
            // the late forward from taking effect after its compensation). One that was not needed is now.
            switch steps[index].compensation {
            case .notNeeded, .none:
                steps[index].compensation = .waiting(forwardUnknown: false)
                return advance()
            case .waiting:
                steps[index].compensation = .waiting(forwardUnknown: false)
                return []
            case .running, .succeeded, .parked, .discarded:
                return []
            }
        }
    }

    private mutating func abort(_ cause: SagaAbortCause) -> [SagaEffect] {
        abortCause = cause
        var effects: [SagaEffect] = []
        for index in steps.indices {
            switch steps[index].forward {
            case .pending, .failed:
                steps[index].compensation = .notNeeded
            case .running:
                effects.append(.fenceForward(step: index))
                steps[index].compensation = .waiting(forwardUnknown: true)
            case .succeeded:
                steps[index].compensation = .waiting(forwardUnknown: false)
            }
        }
        return effects + setStatus(.aborting) + advance()
    }

    /// The compensation to ask next, last step first; the final status once every step is settled.
    private mutating func advance() -> [SagaEffect] {
        if stuckStep != nil { return setStatus(.stuck) }
        for index in steps.indices.reversed() {
            switch steps[index].compensation {
            case .notNeeded, .succeeded, .discarded:
                continue
            case .running:
                return setStatus(.aborting)  // one at a time: wait for it
            case .waiting(let unknown):
                steps[index].compensation = .running(forwardUnknown: unknown)
                return setStatus(.aborting) + [.compensate(step: index, forwardUnknown: unknown)]
            case .none, .parked:
                return []  // cannot happen while aborting (none) / handled by stuckStep (parked)
            }
        }
        return setStatus(.compensated)
    }

    /// The step whose compensation is parked, if any.
    private var stuckStep: Int? {
        steps.indices.last { if case .parked = steps[$0].compensation { true } else { false } }
    }

    private mutating func setStatus(_ next: SagaStatus) -> [SagaEffect] {
        guard next != status else { return [] }
        status = next
        return [.status(next)]
    }
}
