import CompModel

/// A connection to the journal file and the queries both the writer (`Journal`) and the readers
/// (`JournalReader`) answer, written once here.
///
/// Not `Sendable`: a connection belongs to one thread.
public class JournalConnection {
    let connection: Connection
    let queries: Queries

    init(connection: Connection) {
        self.connection = connection
        queries = Queries(connection: connection)
    }

    /// Closes the connection; it must not be used afterwards.
    public func close() { connection.close() }

    /// The execution with `id`, or nil.
    public func execution(_ id: ExecutionID) throws(JournalError) -> Execution? { try queries.execution(id) }

    /// The first `limit` journal rows of one execution, oldest first, after seq `after` (nil: from the start).
    ///
    /// - Parameters:
    ///   - id: the execution.
    ///   - after: the last seq of the previous page, or nil.
    ///   - limit: the page size (every row when left out).
    public func history(of id: ExecutionID, after: Int64? = nil, limit: Int = .max) throws(JournalError) -> [JournalEntry] {
        try queries.history(of: id, after: after, limit: limit)
    }

    /// Every journal row of every execution with `correlationId`, in seq order.
    public func timeline(correlationId: String) throws(JournalError) -> [JournalEntry] {
        try queries.timeline(correlationId: correlationId)
    }

    /// A page of executions matching `filter`, newest first.
    ///
    /// - Parameters:
    ///   - filter: what must match.
    ///   - cursor: the previous page's `nextCursor`, or nil for the first page.
    ///   - limit: the page size.
    public func list(filter: ExecutionFilter, before cursor: ExecutionID?, limit: Int) throws(JournalError) -> ExecutionPage {
        try queries.list(filter: filter, before: cursor, limit: limit)
    }

    /// A page of executions matching `filter` in `order`, after `position` (nil: the first page).
    ///
    /// - Parameters:
    ///   - filter: what must match.
    ///   - order: `.newest` (decreasing id) or `.nextRetry` (FAILED only, earliest next retry first).
    ///   - position: the previous page's last row (`nextCursor`, and `nextCursorKey` for `.nextRetry`), or nil.
    ///   - limit: the page size.
    public func list(
        filter: ExecutionFilter, order: ExecutionOrder, after position: ListPosition?, limit: Int
    ) throws(JournalError) -> ExecutionPage {
        switch order {
        case .newest: try queries.list(filter: filter, before: position?.id, limit: limit)
        case .nextRetry: try queries.listByNextRetry(filter: filter, after: position, limit: limit)
        }
    }

    /// FAILED executions due at `now` (paused services included), counted up to `limit`.
    public func dueCount(now: Timestamp, limit: Int) throws(JournalError) -> Int {
        try queries.dueCount(now: now, limit: limit)
    }

    /// Failed attempts of the last day per service and hour, and the top error codes (`failure_counts`).
    public func failureOverview(now: Timestamp) throws(JournalError) -> FailureOverview {
        FailureOverview(rows: try queries.failureCounts(since: FailureOverview.since(now)), now: now)
    }

    /// One keyset page of the ids matching `filter`, newest first (for bulk operator actions).
    ///
    /// - Parameters:
    ///   - filter: what must match.
    ///   - before: only ids strictly older (smaller) than this; nil starts at the newest.
    ///   - limit: the page size.
    public func matchingIds(
        filter: ExecutionFilter, before: ExecutionID? = nil, limit: Int
    ) throws(JournalError) -> [ExecutionID] {
        try queries.matchingIds(filter: filter, before: before, limit: limit)
    }

    /// Executions per status and park reason (zero counts left out).
    public func counts() throws(JournalError) -> [StatusCount] { try queries.counts() }

    /// FAILED executions of every service due at `now`, oldest due first.
    public func dueExecutions(now: Timestamp, limit: Int) throws(JournalError) -> [Execution] {
        try queries.dueExecutions(now: now, limit: limit)
    }

    /// PREPARED executions whose lease ended at or before `now`, earliest first.
    public func expiredLeases(now: Timestamp, limit: Int) throws(JournalError) -> [Execution] {
        try queries.expiredLeases(now: now, limit: limit)
    }

    /// The earliest due time among services that are not paused; nil when nothing waits.
    public func earliestDue() throws(JournalError) -> Timestamp? { try queries.earliestDue() }

    /// The earliest due time of `service` (paused or not); nil when it has nothing waiting.
    public func earliestDue(service: String) throws(JournalError) -> Timestamp? {
        try queries.earliestDue(service: service)
    }

    /// The earliest lease deadline; nil when nothing is leased.
    public func earliestLeaseExpiry() throws(JournalError) -> Timestamp? { try queries.earliestLeaseExpiry() }

    /// Services that are not paused and have FAILED executions due at `now`, sorted by name.
    public func dueServices(now: Timestamp) throws(JournalError) -> [String] { try queries.dueServices(now: now) }
}
