import CompModel

/// A read-only connection to the journal file for admin and monitoring queries.
///
/// With WAL, its reads see the last committed state and never block the writer (nor wait for it).
/// Not `Sendable`: give each reading thread its own reader.
public final class JournalReader {
    let connection: Connection
    let queries: Queries

    /// Opens the journal file read-only; the writer (`Journal`) must have created it.
    ///
    /// - Parameter path: the journal file.
    /// - Throws: `JournalError` when the file cannot be opened or is not a migrated journal.
    public init(path: String) throws(JournalError) {
        connection = try Connection(path: path, readOnly: true, create: false, busyTimeoutMilliseconds: 5000)
        try connection.execute("PRAGMA query_only = ON; PRAGMA cache_size = -4096;")
        let version = try connection.scalarInt("PRAGMA user_version") ?? 0
        guard version == Schema.latestVersion else {
            throw .misuse("\(path) has journal schema version \(version), expected \(Schema.latestVersion)")
        }
        queries = Queries(connection: connection)
    }

    /// Closes the connection; the reader must not be used afterwards.
    public func close() { connection.close() }

    /// The execution with `id`, or nil.
    public func execution(_ id: ExecutionID) throws(JournalError) -> Execution? { try queries.execution(id) }

    /// Every journal row of one execution, oldest first.
    public func history(of id: ExecutionID) throws(JournalError) -> [JournalEntry] { try queries.history(of: id) }

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

    /// The ids of at most `limit` executions matching `filter`, newest first.
    public func matchingIds(filter: ExecutionFilter, limit: Int) throws(JournalError) -> [ExecutionID] {
        try queries.matchingIds(filter: filter, limit: limit)
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

    /// The services whose dispatch is paused.
    public func pausedServices() throws(JournalError) -> Set<String> { try queries.pausedServices() }
}
