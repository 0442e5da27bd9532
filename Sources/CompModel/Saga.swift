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

    /// The most steps a saga may have (indexes 0…99).
    public static let maxSteps = 100

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

    /// A saga as stored: every field as it was (for a store that rebuilds its sagas from their rows).
    ///
    /// - Parameters:
    ///   - steps: the steps by index, gaps (never declared) with a nil spec.
    ///   - abortCause: set once the saga aborted.
    public init(
        restoring id: String, steps: [SagaStep], isClosed: Bool, deadline: Timestamp?, status: SagaStatus,
        abortCause: SagaAbortCause?
    ) {
        self.id = id
        self.steps = steps
        self.isClosed = isClosed
        self.deadline = deadline
        self.status = status
        self.abortCause = abortCause
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
            return try declare(steps.count, spec, isLast: isLast)
        case .declareStep(let index, let spec, let isLast):
            return try declare(index, spec, isLast: isLast)
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

    /// Declares step `index`: fills a gap, or appends it (after gaps for the indexes between); a step already
    /// declared keeps its spec. Added after the abort, it never runs forward, so it needs no compensation
    /// (unless a late success says it ran after all).
    private mutating func declare(_ index: Int, _ spec: SagaStepSpec, isLast: Bool) throws(SagaError) -> [SagaEffect] {
        guard index >= 0, index < Self.maxSteps else { throw .unknownStep(index) }
        let compensation: SagaCompensationState = status == .running ? .none : .notNeeded
        if index < steps.count {
            if steps[index].spec == nil {
                steps[index].spec = spec
            } else if steps[index].spec?.eventId.isEmpty == true {
                steps[index].spec?.eventId = spec.eventId  // declared whole (no events yet): its first record names it
            }
        } else {
            guard !isClosed else { throw .closed }
            while steps.count < index { steps.append(SagaStep(spec: nil, compensation: compensation)) }
            steps.append(SagaStep(spec: spec, compensation: compensation))
        }
        if isLast {
            guard index == steps.count - 1 else {
                throw .notAllowed("step \(index) cannot be the last: step \(steps.count - 1) is declared")
            }
            isClosed = true
        }
        return []
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
