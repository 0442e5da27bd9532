import CompJournal
import CompModel

/// How a piece of work is answered: called exactly once, on the core thread.
typealias Completion<Value> = @Sendable (Result<Value, CoreError>) -> Void

/// Why the core did not do a piece of work.
enum CoreError: Error, Sendable, Equatable {
    /// The journal cannot commit (disk full, I/O error); resend later.
    case storageFailure(String)
    /// Too much is queued; resend later.
    case overloaded
    /// The broker is stopping.
    case shuttingDown
    /// A newer fetch from the same (service, instance) took this one's place.
    case replaced
    /// The journal refused the request (an extend or an action on one execution).
    case rejected(JournalRejection)
    /// The request names something invalid (e.g. an empty service).
    case invalid(String)
    /// The caller's key may not do this (`forbidden`); the text names the field.
    case forbidden(String)
}

/// A leased execution as a Fetch gets it: with its saga marker when it is a saga step's compensation.
struct LeasedCommand: Sendable, Equatable {
    var execution: Execution
    var saga: CompensationMarker?
}

/// An operator action on executions, in the model's terms.
enum OperatorAction: Sendable, Equatable {
    case retryNow
    /// retryNow that also fences a current lease (ActionRequest `force`).
    case forceRetry
    case discard
    case park
    case mark(Recoverability)
    case applySpec(RetrySpecOverride)
    case changeFunction(String)
}

/// What an operator action did.
struct ActionOutcome: Sendable, Equatable {
    /// Executions the action was aimed at.
    var matched: Int
    /// Executions it changed.
    var changed: Int
    /// Executions it could not change, and why.
    var failures: [ActionRefusal]

    static func + (lhs: ActionOutcome, rhs: ActionOutcome) -> ActionOutcome {
        ActionOutcome(matched: lhs.matched + rhs.matched, changed: lhs.changed + rhs.changed,
                      failures: lhs.failures + rhs.failures)
    }
}

/// One execution an action could not change.
struct ActionRefusal: Error, Sendable, Equatable {
    var executionId: ExecutionID
    var rejection: JournalRejection
}

/// Work handed to the core thread, each with its typed completion.
enum CoreWork: Sendable {
    /// Records to journal, each as its `.record` command; one result per record, in order. The submitter makes
    /// the commands (`records(_:_:)`), so the core thread takes the unit as it is instead of copying every record
    /// into a command (about 10 % of the core's instructions per record under mixed load, in callgrind).
    case recordCommands([JournalCommand], Completion<[RecordResult]>)
    /// A fetch to hold until commands are due or its wait ends; the leased executions (maybe none).
    case fetch(FetchArrival, Completion<[LeasedCommand]>)
    /// Extend a lease; the new deadline. `services`: the caller's scope (a subscriber key's services), nil for
    /// an operator or an unsigned request; a lease of another service's execution fails with `.forbidden`.
    case extend(ExecutionID, token: UInt64, by: TimeSpan, services: Set<String>?, Completion<Timestamp>)
    /// An operator action on these executions (one slice, at most `Core.maxIdsPerSlice`), asked by `actor`
    /// (stored with the rows it writes; nil is stored as `Journal.unknownActor`).
    case operate([ExecutionID], OperatorAction, actor: String? = nil, Completion<ActionOutcome>)
    /// Pause or resume a service, asked by `actor` (journaled with the row; nil is stored as
    /// `Journal.unknownActor`).
    case setPaused(String, Bool, actor: String? = nil, Completion<ActionOutcome>)
    /// An operator aborts the RUNNING saga `id` (asked by `actor`); fails with `.rejected(.unknownSaga)` or
    /// `.rejected(.sagaNotRunning)`.
    case abortSaga(String, actor: String? = nil, Completion<Void>)
    /// Declare a saga whole; true when created, false when it was already declared with the same steps; fails
    /// with `.rejected(.sagaConflict)` for other steps.
    case declareSaga(id: String, steps: [SagaStepSpec], deadline: Timestamp?, Completion<Bool>)

    /// Records to journal; one result per record, in order.
    static func records(_ records: [IncomingRecord], _ done: @escaping Completion<[RecordResult]>) -> CoreWork {
        .recordCommands(records.map { .record($0) }, done)
    }

    /// Records carried, for the inbox bound.
    var recordCount: Int {
        if case .recordCommands(let commands, _) = self { return commands.count }
        return 0
    }

    /// The same work, answered through `outbox`: its completion is held until the pass that answers it has
    /// been posted and, when that pass committed, made durable.
    func answered(through outbox: DurableOutbox) -> CoreWork {
        switch self {
        case .recordCommands(let commands, let done): .recordCommands(commands, outbox.deferring(done))
        case .fetch(let arrival, let done): .fetch(arrival, outbox.deferring(done))
        case .extend(let id, let token, let span, let services, let done):
            .extend(id, token: token, by: span, services: services, outbox.deferring(done))
        case .operate(let ids, let action, let actor, let done): .operate(ids, action, actor: actor, outbox.deferring(done))
        case .setPaused(let service, let value, let actor, let done):
            .setPaused(service, value, actor: actor, outbox.deferring(done))
        case .abortSaga(let id, let actor, let done): .abortSaga(id, actor: actor, outbox.deferring(done))
        case .declareSaga(let id, let steps, let deadline, let done):
            .declareSaga(id: id, steps: steps, deadline: deadline, outbox.deferring(done))
        }
    }

    /// Completes the work with `error` without doing it.
    func fail(_ error: CoreError) {
        switch self {
        case .recordCommands(_, let done): done(.failure(error))
        case .fetch(_, let done): done(.failure(error))
        case .extend(_, _, _, _, let done): done(.failure(error))
        case .operate(_, _, _, let done): done(.failure(error))
        case .setPaused(_, _, _, let done): done(.failure(error))
        case .abortSaga(_, _, let done): done(.failure(error))
        case .declareSaga(_, _, _, let done): done(.failure(error))
        }
    }
}
