/// The kind of a journal row, stored as a small integer in `journal.kind`.
///
/// The raw values are part of the file format: never renumber, only add.
enum EntryKind: Int64, CaseIterable {
    /// A failure reported by key (no lease); creates the execution or joins the open one.
    case failure = 1
    /// A success reported by key (no lease).
    case success = 2
    /// The failure result of a leased attempt.
    case failureResult = 3
    /// The success result of a leased attempt.
    case successResult = 4
    /// A result carrying a lease token that is not current: kept, changes nothing.
    case stale = 5
    /// The dispatcher leased the execution; the row's seq is the fencing token.
    case leased = 6
    /// The holder extended its lease.
    case extended = 7
    /// The lease ran out with no result.
    case timeout = 8
    /// Operator: retry now.
    case retry = 9
    /// Operator: apply a retry spec.
    case applySpec = 10
    /// Operator: mark recoverable or unrecoverable.
    case mark = 11
    /// Operator: change the handler function.
    case changeFunction = 12
    /// Operator: park.
    case park = 13
    /// Operator: discard.
    case discard = 14
    /// The lease's retry command was not delivered; the lease went back (see `ExecutionInput.returnLease`).
    case returned = 15
    /// Operator: a service's dispatch paused (execution id 0; the body is the service name).
    case paused = 16
    /// Operator: a service's dispatch resumed (execution id 0; the body is the service name).
    case resumed = 17
    // 18 is `started` (an intent; issue 13's client half adds its case; migration 8 names it in `entry_kinds`).
    /// A saga input: from a record with a SagaRef, a linked execution's transition, the deadline or an operator
    /// (execution id 0; the body names the saga).
    case sagaStep = 19
    /// A saga's status changed (execution id 0).
    case sagaStatus = 20
    /// The broker created a step's compensation execution (the row's seq is its id, like a creating failure).
    case compensate = 21

    /// The name shown in histories and events (`JournalEntry.kind`, `StateChange.kind`).
    var name: String {
        switch self {
        case .failure: "failure"
        case .success: "success"
        case .failureResult: "failure-result"
        case .successResult: "success-result"
        case .stale: "stale"
        case .leased: "leased"
        case .extended: "extended"
        case .timeout: "timeout"
        case .retry: "retry"
        case .applySpec: "apply-spec"
        case .mark: "mark"
        case .changeFunction: "change-function"
        case .park: "park"
        case .discard: "discard"
        case .returned: "returned"
        case .paused: "paused"
        case .resumed: "resumed"
        case .sagaStep: "saga-step"
        case .sagaStatus: "saga-status"
        case .compensate: "compensate"
        }
    }
}
