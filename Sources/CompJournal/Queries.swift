import CompModel

/// Every read of the journal, over one connection: shared by the writer (`Journal`) and the
/// read-only `JournalReader`, so each query's SQL exists once.
struct Queries {
    let connection: Connection

    private static let selectExecution = "SELECT \(ExecutionRow.columns) FROM executions"

    /// Runs `statement` (already bound) and decodes every row as an execution.
    private func executions(_ statement: Statement) throws(JournalError) -> [Execution] {
        defer { statement.reset() }
        var result: [Execution] = []
        while try statement.step() { result.append(try ExecutionRow.decode(statement)) }
        return result
    }

    func entries(_ statement: Statement) throws(JournalError) -> [JournalEntry] {
        defer { statement.reset() }
        var result: [JournalEntry] = []
        while try statement.step() {
            guard let kind = EntryKind(rawValue: statement.int64(3)) else {
                throw .corrupt("journal row \(statement.int64(0)): unknown kind \(statement.int64(3))", sql: statement.sql)
            }
            result.append(JournalEntry(
                seq: statement.int64(0), at: Timestamp(milliseconds: statement.int64(1)),
                executionId: statement.int64(2), kind: kind.name,
                recordId: statement.isNull(4) ? nil : RecordID(bytes: statement.blob(4)),
                // Rows written before summaries were capped are cut on the way out, by the same rule.
                summary: TextLimit.truncate(statement.text(5), maxBytes: Summary.maxBytes),
                actor: statement.optionalText(6)))
        }
        return result
    }

    private func timestamp(_ statement: Statement) throws(JournalError) -> Timestamp? {
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.optionalInt64(0).map { Timestamp(milliseconds: $0) }
    }

    // MARK: One execution

    /// One execution by id (?1).
    static let executionSQL = "\(selectExecution) WHERE id = ?1"

    /// The execution with `id`, or nil.
    func execution(_ id: ExecutionID) throws(JournalError) -> Execution? {
        let statement = try connection.cached(HotStatement.executionById)
        try statement.bind(id, at: 1)
        return try executions(statement).first
    }

    /// The dedupe lookup of a record id (?1), through `journal_record`.
    static let recordSQL = "SELECT execution_id FROM journal WHERE record_id = ?1"

    /// The execution id of the journal row with `recordId`: `.some(nil)` is impossible (rows always name an
    /// execution), nil means the record was never journaled (or was pruned).
    func executionId(ofRecord recordId: RecordID) throws(JournalError) -> ExecutionID? {
        let statement = try connection.cached(HotStatement.recordLookup)
        defer { statement.reset() }
        try statement.bind(recordId, at: 1)
        guard try statement.step() else { return nil }
        return statement.int64(0)
    }

    // MARK: History

    private static let entryColumns = "seq, at, execution_id, kind, record_id, summary, actor"

    /// The history page: one execution's rows after a seq, oldest first (?1 id, ?2 after, ?3 limit).
    static let historySQL = Schema.executionRows(entryColumns, of: "(?1)", and: "seq > ?2", tail: "LIMIT ?3")

    /// The first `limit` journal rows of one execution after seq `after` (nil: from the start), oldest first.
    func history(of id: ExecutionID, after: Int64?, limit: Int) throws(JournalError) -> [JournalEntry] {
        guard limit > 0 else { return [] }
        let statement = try connection.cached(Self.historySQL)
        try statement.bind(id, at: 1)
        try statement.bind(after ?? Int64.min, at: 2)
        try statement.bind(limit, at: 3)
        return try entries(statement)
    }

    /// Every journal row of the executions with one correlation id (?1), in seq order.
    static let timelineSQL = Schema.executionRows(
        entryColumns, of: "(SELECT id FROM executions WHERE correlation_id = ?1 AND correlation_id <> '')")

    /// Every journal row of every execution with `correlationId`, in seq order; empty for "".
    func timeline(correlationId: String) throws(JournalError) -> [JournalEntry] {
        guard !correlationId.isEmpty else { return [] }
        let statement = try connection.cached(Self.timelineSQL)
        try statement.bind(correlationId, at: 1)
        return try entries(statement)
    }

    // MARK: Lists

    /// The WHERE clause for `filter` (and an optional cursor) with its bindings, built the same way for
    /// every caller so the statement cache sees few distinct SQL texts.
    static func whereClause(
        _ filter: ExecutionFilter, before cursor: ExecutionID?, dueOrder: DueOrder? = nil
    ) -> (sql: String, bind: (Statement) throws(JournalError) -> Void) {
        var terms: [String] = []
        var texts: [String] = []
        var integers: [Int64] = []
        if !filter.statuses.isEmpty {
            let codes = filter.statuses.map { Int($0.rawValue) }.sorted()
            terms.append("status IN (\(codes.map(String.init).joined(separator: ", ")))")
            // Spelled the way the partial indexes are, so the planner can use them.
            if filter.statuses == [.failed] {
                terms.append("status = 1")
            } else if filter.statuses == [.prepared] {
                terms.append("status = 2")
            } else if filter.statuses.isSubset(of: [.parked, .discarded]) {
                terms.append("status IN (4, 5)")
            }
        }
        if let reason = filter.parkReason {
            terms.append("park_reason = \(reason.rawValue)")
        }
        if let recoverable = filter.recoverable {
            terms.append("recoverable = \(recoverable.rawValue)")
        }
        if filter.nextRetryBefore != nil || dueOrder != nil, filter.statuses != [.failed] {
            terms.append("status = 1")  // both mean FAILED; spelled like the due index's predicate
        }
        let textFields: [(String, String?)] = [
            ("service", filter.service), ("processor", filter.processor), ("function", filter.function),
            ("event_id", filter.eventId), ("correlation_id", filter.correlationId), ("error_code", filter.errorCode),
        ]
        for (column, value) in textFields {
            guard let value else { continue }
            texts.append(value)
            terms.append("\(column) = ?\(texts.count)")
        }
        for (column, bound, comparison) in [
            ("created_at", filter.createdAfter, ">="), ("created_at", filter.createdBefore, "<"),
            ("next_retry_at", filter.nextRetryBefore, "<="),
        ] {
            guard let bound else { continue }
            integers.append(bound.milliseconds)
            terms.append("\(column) \(comparison) ?\(texts.count + integers.count)")
        }
        if let cursor {
            integers.append(cursor)
            terms.append("id < ?\(texts.count + integers.count)")
        }
        if case .after(let key, let id)? = dueOrder {
            integers += [key.milliseconds, id]
            let first = texts.count + integers.count - 1
            terms.append("(next_retry_at, id) > (?\(first), ?\(first + 1))")
        }
        let sql = terms.isEmpty ? "" : " WHERE " + terms.joined(separator: " AND ")
        let textCount = texts.count
        return (sql, { (statement: Statement) throws(JournalError) in
            for (offset, text) in texts.enumerated() { try statement.bind(text, at: Int32(offset + 1)) }
            for (offset, value) in integers.enumerated() { try statement.bind(value, at: Int32(textCount + offset + 1)) }
        })
    }

    /// The FAILED-only keyset of a list by next retry: from the start, or after a (next retry, id) position.
    enum DueOrder {
        case start
        case after(Timestamp, ExecutionID)
    }

    /// The list page for a WHERE clause from `whereClause` (the limit is ?30), through `index` when given (its
    /// partial predicate must follow from the clause).
    static func listSQL(_ whereSQL: String, index: String? = nil) -> String {
        let from = index.map { "executions INDEXED BY \($0)" } ?? "executions"
        return "SELECT \(ExecutionRow.columns) FROM \(from)\(whereSQL) ORDER BY id DESC LIMIT ?30"
    }

    /// Up to this many FAILED executions, a FAILED list newest first reads them through `executions_due` and sorts
    /// (the cost grows with the FAILED set, not the table); above it, it walks the table newest first by id and
    /// stops at the page, which is quick when FAILED executions are that many.
    static let smallFailedSet = 50_000

    /// The index a newest-first list of `filter` reads through, or nil to walk the table by id: PREPARED executions
    /// are few (in flight, bounded by the per-service caps), so their index; FAILED ones through theirs while few.
    func listIndex(_ filter: ExecutionFilter) throws(JournalError) -> String? {
        if filter.statuses == [.prepared] { return "executions_lease" }
        guard filter.statuses == [.failed] || (filter.nextRetryBefore != nil && filter.statuses.isEmpty) else { return nil }
        let failed = try connection.scalarInt("SELECT coalesce(sum(count), 0) FROM status_counts WHERE status = 1") ?? 0
        return failed <= Self.smallFailedSet ? "executions_due" : nil
    }

    /// The page of one service's FAILED executions by next retry, for a WHERE clause from `whereClause` with a
    /// `dueOrder` and the service set (the limit is ?30): a range of `executions_due`, in its order.
    static func dueListSQL(_ whereSQL: String) -> String {
        "\(selectExecution)\(whereSQL) ORDER BY next_retry_at, id LIMIT ?30"
    }

    /// The id page for a WHERE clause from `whereClause` (the limit is ?30).
    static func matchingIdsSQL(_ whereSQL: String) -> String { "SELECT id FROM executions\(whereSQL) ORDER BY id DESC LIMIT ?30" }

    /// Executions matching `filter`, newest first, `limit` a page, older than the `before` cursor.
    func list(filter: ExecutionFilter, before cursor: ExecutionID?, limit: Int) throws(JournalError) -> ExecutionPage {
        guard limit > 0 else { return ExecutionPage(executions: [], nextCursor: nil) }
        let clause = Self.whereClause(filter, before: cursor)
        // One extra row tells whether another page follows.
        let statement = try connection.cached(Self.listSQL(clause.sql, index: try listIndex(filter)))
        try clause.bind(statement)
        try statement.bind(limit + 1, at: 30)
        var rows = try executions(statement)
        var next: ExecutionID?
        if rows.count > limit {
            rows.removeLast(rows.count - limit)
            next = rows.last?.id
        }
        return ExecutionPage(executions: rows, nextCursor: next)
    }

    /// FAILED executions matching `filter` by next retry (earliest first, ties by id), after `position`, `limit` a
    /// page. One range of `executions_due` per service (the index leads with the service), merged: a page
    /// reads at most `limit` + 1 rows per service, never the backlog.
    func listByNextRetry(filter: ExecutionFilter, after position: ListPosition?, limit: Int) throws(JournalError) -> ExecutionPage {
        guard limit > 0 else { return ExecutionPage(executions: [], nextCursor: nil) }
        if !filter.statuses.isEmpty, !filter.statuses.contains(.failed) {
            return ExecutionPage(executions: [], nextCursor: nil)
        }
        let services: [String]
        if let service = filter.service { services = [service] } else { services = try failedServices() }
        let order: DueOrder = position.map { .after($0.key ?? Timestamp(milliseconds: .min), $0.id) } ?? .start
        var rows: [Execution] = []
        for service in services {
            var one = filter
            one.statuses = [.failed]
            one.service = service
            let clause = Self.whereClause(one, before: nil, dueOrder: order)
            let statement = try connection.cached(Self.dueListSQL(clause.sql))
            try clause.bind(statement)
            try statement.bind(limit + 1, at: 30)
            rows += try executions(statement)
        }
        rows.sort { ($0.nextRetryAt?.milliseconds ?? .min, $0.id) < ($1.nextRetryAt?.milliseconds ?? .min, $1.id) }
        guard rows.count > limit else { return ExecutionPage(executions: rows, nextCursor: nil) }
        rows.removeLast(rows.count - limit)
        return ExecutionPage(executions: rows, nextCursor: rows.last?.id, nextCursorKey: rows.last?.nextRetryAt)
    }

    /// Every service that has FAILED executions (paused or not), by name: the skip scan over `executions_due`.
    static let failedServicesSQL = """
        WITH RECURSIVE s(service) AS (
            SELECT (SELECT min(service) FROM executions WHERE status = 1)
            UNION ALL
            SELECT (SELECT min(service) FROM executions WHERE status = 1 AND service > s.service)
            FROM s WHERE s.service IS NOT NULL
        )
        SELECT service FROM s WHERE service IS NOT NULL
        """

    /// Every service with FAILED executions, by name.
    func failedServices() throws(JournalError) -> [String] {
        let statement = try connection.cached(Self.failedServicesSQL)
        defer { statement.reset() }
        var result: [String] = []
        while try statement.step() { result.append(statement.text(0)) }
        return result
    }

    /// One service's (?1) FAILED executions due at ?2, counted up to ?3: a range of `executions_due`, index only.
    static let dueCountSQL = """
        SELECT count(*) FROM (SELECT 1 FROM executions WHERE status = 1 AND service = ?1 AND next_retry_at <= ?2 LIMIT ?3)
        """

    /// FAILED executions due at `now` (paused services too), counted up to `limit`: one bounded index range per
    /// service, so the cost grows with the count (at most `limit`) and the services, never with the table.
    func dueCount(now: Timestamp, limit: Int) throws(JournalError) -> Int {
        var total = 0
        for service in try failedServices() where total < limit {
            let statement = try connection.cached(Self.dueCountSQL)
            defer { statement.reset() }
            try statement.bind(service, at: 1)
            try statement.bind(now.milliseconds, at: 2)
            try statement.bind(limit - total, at: 3)
            guard try statement.step() else { continue }
            total += Int(statement.int64(0))
        }
        return min(total, limit)
    }

    /// The `failure_counts` rows from ?1 on: a range of its primary key.
    static let failureCountsSQL = "SELECT bucket, service, code, count FROM failure_counts WHERE bucket >= ?1"

    /// Failed attempts per bucket, service and code, in buckets starting at or after `since`.
    func failureCounts(since: Timestamp) throws(JournalError) -> [FailureCount] {
        let statement = try connection.cached(Self.failureCountsSQL)
        defer { statement.reset() }
        try statement.bind(since.milliseconds, at: 1)
        var result: [FailureCount] = []
        while try statement.step() {
            result.append(FailureCount(
                bucket: Timestamp(milliseconds: statement.int64(0)), service: statement.text(1), code: statement.text(2),
                count: Int(statement.int64(3))))
        }
        return result
    }

    /// The ids of executions matching `filter`, newest first, older than `before`, at most `limit`.
    func matchingIds(filter: ExecutionFilter, before: ExecutionID?, limit: Int) throws(JournalError) -> [ExecutionID] {
        guard limit > 0 else { return [] }
        let clause = Self.whereClause(filter, before: before)
        let statement = try connection.cached(Self.matchingIdsSQL(clause.sql))
        defer { statement.reset() }
        try clause.bind(statement)
        try statement.bind(limit, at: 30)
        var ids: [ExecutionID] = []
        while try statement.step() { ids.append(statement.int64(0)) }
        return ids
    }

    /// How many executions there are in each status and park reason (non-zero counts only).
    func counts() throws(JournalError) -> [StatusCount] {
        let statement = try connection.cached(
            "SELECT status, park_reason, count FROM status_counts WHERE count <> 0 ORDER BY status, park_reason")
        defer { statement.reset() }
        var result: [StatusCount] = []
        while try statement.step() {
            guard let status = ExecutionStatus(rawValue: UInt8(truncatingIfNeeded: statement.int64(0))) else {
                throw .corrupt("status_counts: unknown status \(statement.int64(0))", sql: statement.sql)
            }
            let reason = ParkReason(rawValue: UInt8(truncatingIfNeeded: statement.int64(1)))
            result.append(StatusCount(status: status, parkReason: reason, count: Int(statement.int64(2))))
        }
        return result
    }

    // MARK: Scheduling

    /// FAILED executions of one service (?1) due at ?2, earliest first, at most ?3, through `executions_due`.
    static let dueSQL = """
        \(selectExecution) WHERE status = 1 AND service = ?1 AND next_retry_at <= ?2 \
        ORDER BY next_retry_at, id LIMIT ?3
        """

    /// FAILED executions of `service` due at `now`, earliest due first.
    func due(service: String, now: Timestamp, limit: Int) throws(JournalError) -> [Execution] {
        guard limit > 0 else { return [] }
        let statement = try connection.cached(Self.dueSQL)
        try statement.bind(service, at: 1)
        try statement.bind(now.milliseconds, at: 2)
        try statement.bind(limit, at: 3)
        return try executions(statement)
    }

    /// FAILED executions of every service due at `now`, earliest due first.
    func dueExecutions(now: Timestamp, limit: Int) throws(JournalError) -> [Execution] {
        guard limit > 0 else { return [] }
        let statement = try connection.cached("""
            \(Self.selectExecution) WHERE status = 1 AND next_retry_at <= ?1 ORDER BY next_retry_at, id LIMIT ?2
            """)
        try statement.bind(now.milliseconds, at: 1)
        try statement.bind(limit, at: 2)
        return try executions(statement)
    }

    /// PREPARED executions whose lease ended at or before ?1, earliest first, at most ?2, through `executions_lease`.
    static let expiredSQL = "\(selectExecution) WHERE status = 2 AND lease_until <= ?1 ORDER BY lease_until, id LIMIT ?2"

    /// PREPARED executions whose lease ended at or before `now`, earliest first.
    func expiredLeases(now: Timestamp, limit: Int) throws(JournalError) -> [Execution] {
        guard limit > 0 else { return [] }
        let statement = try connection.cached(Self.expiredSQL)
        try statement.bind(now.milliseconds, at: 1)
        try statement.bind(limit, at: 2)
        return try executions(statement)
    }

    /// Each service that has FAILED executions, with its earliest due time: a skip scan over the due index,
    /// one index probe per service, never a walk over the backlog.
    static let earliestPerService = """
        WITH RECURSIVE s(service) AS (
            SELECT (SELECT min(service) FROM executions WHERE status = 1)
            UNION ALL
            SELECT (SELECT min(service) FROM executions WHERE status = 1 AND service > s.service)
            FROM s WHERE s.service IS NOT NULL
        )
        SELECT s.service, (SELECT min(next_retry_at) FROM executions WHERE status = 1 AND service = s.service) AS due
        FROM s WHERE s.service IS NOT NULL
          AND s.service NOT IN (SELECT name FROM services WHERE paused = 1)
        """

    /// The earliest due time among services that are not paused, or nil when none is waiting.
    func earliestDue() throws(JournalError) -> Timestamp? {
        try timestamp(try connection.cached("SELECT min(due) FROM (\(Self.earliestPerService))"))
    }

    /// The earliest due time of one service (?1), through `executions_due`.
    static let earliestDueServiceSQL = "SELECT min(next_retry_at) FROM executions WHERE status = 1 AND service = ?1"

    /// The earliest due time of one service (paused or not), or nil.
    func earliestDue(service: String) throws(JournalError) -> Timestamp? {
        let statement = try connection.cached(Self.earliestDueServiceSQL)
        try statement.bind(service, at: 1)
        return try timestamp(statement)
    }

    /// Every PREPARED execution but intents (their reporter holds the lease, not a Fetch, so they take no
    /// in-flight slot), through the lease index (`executions_lease`), earliest deadline first.
    static let leasedSQL = "SELECT id, service FROM executions WHERE status = 2 AND lease_holder IS NOT '\(intentLeaseHolder)' ORDER BY lease_until, id"

    /// Every PREPARED execution's id and service, earliest lease deadline first.
    func leasedExecutions() throws(JournalError) -> [(id: ExecutionID, service: String)] {
        let statement = try connection.cached(Self.leasedSQL)
        defer { statement.reset() }
        var result: [(id: ExecutionID, service: String)] = []
        while try statement.step() { result.append((statement.int64(0), statement.text(1))) }
        return result
    }

    /// The earliest lease deadline, through `executions_lease`.
    static let earliestLeaseSQL = "SELECT min(lease_until) FROM executions WHERE status = 2"

    /// The earliest lease deadline, or nil when nothing is leased.
    func earliestLeaseExpiry() throws(JournalError) -> Timestamp? {
        try timestamp(try connection.cached(Self.earliestLeaseSQL))
    }

    /// The services, not paused, that have FAILED executions due at `now`, by name.
    func dueServices(now: Timestamp) throws(JournalError) -> [String] {
        let statement = try connection.cached(
            "SELECT service FROM (\(Self.earliestPerService)) WHERE due <= ?1 ORDER BY service")
        defer { statement.reset() }
        try statement.bind(now.milliseconds, at: 1)
        var result: [String] = []
        while try statement.step() { result.append(statement.text(0)) }
        return result
    }

    /// The services whose dispatch is paused.
    func pausedServices() throws(JournalError) -> Set<String> {
        let statement = try connection.cached("SELECT name FROM services WHERE paused = 1")
        defer { statement.reset() }
        var result: Set<String> = []
        while try statement.step() { result.insert(statement.text(0)) }
        return result
    }
}
