import CompModel

/// The writer side of a store: group commit and the few queries the core needs.
///
/// Not `Sendable`: one owner thread (the broker's core). `Journal` is the SQLite implementation.
public protocol BrokerStore: AnyObject {
    /// Applies `units` in one transaction (BEGIN IMMEDIATE … COMMIT); each unit (the commands of one
    /// request, or of one scheduler decision) runs inside its own SAVEPOINT.
    ///
    /// A unit whose command throws is rolled back to its savepoint and reported `.failed`; the others
    /// still commit.
    /// - Parameters:
    ///   - units: the work; later units see the effects of earlier ones.
    ///   - now: the broker's clock for every command.
    /// - Returns: one outcome per unit, in order, and the state changes of the applied units.
    /// - Throws: `JournalError` only when BEGIN or COMMIT itself fails (disk full, I/O error, read-only
    ///   file), or SQLite ended the transaction on its own; then nothing happened and the store's
    ///   in-memory state is restored.
    func commit(_ units: [[JournalCommand]], now: Timestamp) throws(JournalError) -> GroupCommit
    /// The services whose dispatch is paused (from memory).
    func pausedServices() -> Set<String>
    /// The highest journal seq assigned so far (0 for an empty journal).
    var headSeq: Int64 { get }
    /// Every PREPARED execution's id and service, read through the lease index (not a table scan).
    func leasedExecutions() throws(JournalError) -> [(id: ExecutionID, service: String)]
    /// The earliest lease deadline; nil when nothing is leased.
    func earliestLeaseExpiry() throws(JournalError) -> Timestamp?
    /// The earliest due time of `service` (paused or not); nil when it has nothing waiting.
    func earliestDue(service: String) throws(JournalError) -> Timestamp?
    /// The execution with `id`, or nil.
    func execution(_ id: ExecutionID) throws(JournalError) -> Execution?
    /// Deletes finished executions past retention in small transactions (a few hundred rows each) until
    /// none is left or `budget` is spent.
    ///
    /// - Returns: how many executions went.
    func prune(now: Timestamp, budget: Duration) throws(JournalError) -> Int
    /// Closes the store; it must not be used afterwards.
    func close()
    /// The earliest deadline of a RUNNING saga; nil when none has one.
    func earliestSagaDeadline() throws(JournalError) -> Timestamp?
    /// The saga marker of execution `id` when it is a saga step's compensation (from memory), else nil.
    func compensationMarker(of id: ExecutionID) -> CompensationMarker?
}

/// What a retry command of a compensation execution carries (RetryCommand tag 1).
public struct CompensationMarker: Hashable, Sendable {
    public var sagaId: String
    public var step: Int
    /// The forward's outcome was unknown at the abort: the service's barrier decides.
    public var forwardUnknown: Bool

    /// Creates a marker.
    public init(sagaId: String, step: Int, forwardUnknown: Bool) {
        self.sagaId = sagaId
        self.step = step
        self.forwardUnknown = forwardUnknown
    }
}

/// What one group commit did.
public struct GroupCommit: Sendable {
    /// One per unit, in order.
    public var units: [UnitOutcome]
    /// The state changes of the applied units, in journal order.
    public var changes: [StateChange]
    /// The highest journal seq committed so far (after this commit); 0 for an empty journal. Readers of the
    /// journal (notifiers) wait for it to move.
    public var headSeq: Int64
    /// The sagas' status changes, in journal order.
    public var sagaChanges: [SagaChange]
    /// Whether the commit wrote any saga (the earliest saga deadline may have moved).
    public var sagasTouched: Bool

    /// Creates a group commit result.
    public init(
        units: [UnitOutcome], changes: [StateChange], headSeq: Int64 = 0, sagaChanges: [SagaChange] = [],
        sagasTouched: Bool = false
    ) {
        self.units = units
        self.changes = changes
        self.headSeq = headSeq
        self.sagaChanges = sagaChanges
        self.sagasTouched = sagasTouched
    }
}

/// What happened to one unit of a group commit.
public enum UnitOutcome: Sendable {
    /// Committed: one result per command of the unit.
    case applied([CommandResult])
    /// Rolled back to the unit's savepoint; nothing of the unit happened.
    case failed(JournalError)
}

/// The byte budget of one Commands reply.
///
/// `leaseDue` leases in due order and stops before the sum of `size(execution)` would pass `bytes`; it
/// leases nothing it would not send. The first execution always fits (the broker's smallest frame limit
/// holds one command of the largest payload).
public struct LeaseBudget: Sendable {
    /// The most bytes the leased executions may take together.
    public var bytes: Int
    /// The bytes one leased execution takes in the reply (measured on the execution as leased).
    public var size: @Sendable (Execution) -> Int

    /// Creates a budget.
    ///
    /// - Parameters:
    ///   - bytes: the most bytes the leased executions may take together.
    ///   - size: the bytes one leased execution takes.
    public init(bytes: Int, size: @escaping @Sendable (Execution) -> Int) {
        self.bytes = bytes
        self.size = size
    }

    /// No byte limit: `limit` alone bounds the lease.
    public static let unlimited = LeaseBudget(bytes: .max, size: { _ in 0 })
}

/// The reader side of a store: one per reading thread (admin), on its own connection.
///
/// `JournalReader` is the SQLite implementation (a WAL reader that never blocks the writer).
public protocol BrokerQueries: AnyObject {
    /// A page of executions matching `filter`, newest first, older than `cursor`.
    func list(filter: ExecutionFilter, before cursor: ExecutionID?, limit: Int) throws(JournalError) -> ExecutionPage
    /// The execution with `id`, or nil.
    func execution(_ id: ExecutionID) throws(JournalError) -> Execution?
    /// The first `limit` journal rows of one execution, oldest first, starting after seq `after`
    /// (nil: from the start).
    func history(of id: ExecutionID, after: Int64?, limit: Int) throws(JournalError) -> [JournalEntry]
    /// A page of executions matching `filter` in `order`, after `position` (nil: the first page).
    func list(filter: ExecutionFilter, order: ExecutionOrder, after position: ListPosition?, limit: Int) throws(JournalError) -> ExecutionPage
    /// FAILED executions due at `now` (paused services included), counted up to `limit`.
    func dueCount(now: Timestamp, limit: Int) throws(JournalError) -> Int
    /// Failed attempts of the last day per service and hour, and the top error codes.
    func failureOverview(now: Timestamp) throws(JournalError) -> FailureOverview
    /// One keyset page of ids matching `filter`, newest first, strictly older than `before`
    /// (nil: from the newest).
    func matchingIds(filter: ExecutionFilter, before: ExecutionID?, limit: Int) throws(JournalError) -> [ExecutionID]
    /// Executions per status and park reason (zero counts left out).
    func counts() throws(JournalError) -> [StatusCount]
    /// The services whose dispatch is paused.
    func pausedServices() throws(JournalError) -> Set<String>
    /// Every journal row of every execution with `correlationId`, in seq order.
    func timeline(correlationId: String) throws(JournalError) -> [JournalEntry]
    /// Closes the connection; it must not be used afterwards.
    func close()
}

extension JournalCommand {
    /// Leases up to `limit` due executions with no byte budget (`LeaseBudget.unlimited`): for tests and
    /// tools; the broker passes the budget of its reply.
    public static func leaseDue(service: String, holder: String, limit: Int) -> JournalCommand {
        .leaseDue(service: service, holder: holder, limit: limit, budget: .unlimited)
    }
}
