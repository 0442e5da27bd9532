import CSQLite
import CompModel
import Foundation
import Testing

@testable import CompJournal

/// What the console reads from the journal: actors of operator actions, the new filters, the list by next
/// retry, the due count and the failure overview, on real SQLite files.
struct ConsoleQueryTests {
    // MARK: Actor

    @Test("an operator action stores its actor on its rows; history and timeline return it; other rows have none")
    func actorInHistory() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1", correlation: "order-1"))
        _ = try fixture.commit([.operate(id, .park, actor: "compctl:alice")])
        _ = try fixture.commit([.operate(id, .retryNow)])  // an old client: no actor
        let history = try fixture.journal.history(of: id)
        #expect(history.map(\.kind) == ["failure", "park", "retry"])
        #expect(history.map(\.actor) == [nil, "compctl:alice", Journal.unknownActor])
        let timeline = try fixture.journal.timeline(correlationId: "order-1")
        #expect(timeline.map(\.actor) == [nil, "compctl:alice", "unknown"])
    }

    @Test("a forced retry of a leased execution writes the returned and retry rows with the actor")
    func forcedRetryActor() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 10)
        #expect(try fixture.lease().map(\.id) == [id])
        _ = try fixture.commit([.operate(id, .forceRetry, actor: "http:ops")])
        let rows = try fixture.journal.history(of: id)
        #expect(rows.map(\.kind) == ["failure", "leased", "returned", "retry"])
        #expect(rows.map(\.actor) == [nil, nil, "http:ops", "http:ops"])
    }

    @Test("journal_readable shows the actor column")
    func readableActor() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        _ = try fixture.commit([.operate(id, .discard, actor: "compctl:bob")])
        let statement = try fixture.journal.connection.prepare("SELECT kind, actor FROM journal_readable ORDER BY seq")
        var rows: [[String?]] = []
        while try statement.step() { rows.append([statement.optionalText(0), statement.optionalText(1)]) }
        #expect(rows == [["failure", nil], ["discard", "compctl:bob"]])
    }

    @Test("a version 5 journal with operator rows migrates: the rows keep no actor, new actions store theirs")
    func migrationFromFive() throws {
        let folder = NSTemporaryDirectory() + "compjournal-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = folder + "/journal.db"
        // Write with the current code, then take the file back to version 5 as that schema had it.
        var id: ExecutionID = 0
        do {
            let journal = try Journal(options: JournalOptions(path: path))
            var random = SplitMix64(seed: 3)
            let now = Timestamp(milliseconds: 1_700_000_000_000)
            let record = IncomingRecord(
                id: RecordID.timeOrdered(at: now, using: &random), kind: .failure,
                key: ExecutionKey(service: "s", processor: "p", function: "f", eventId: "e"),
                failure: FailureReport(error: ErrorInfo(code: "X", message: "m"), occurredAt: now))
            guard case .record(.accepted(let created))? = try journal.commit([.record(record)], now: now).results.first else {
                Issue.record("not accepted"); return
            }
            id = created
            _ = try journal.commit([.operate(id, .park)], now: now)
            try journal.connection.execute("""
                DROP TABLE sagas; DROP TABLE saga_steps; DROP TABLE saga_journal;
                DROP VIEW journal_readable; DROP TABLE failure_counts; DROP TABLE entry_kinds; UPDATE journal SET actor = NULL;
                ALTER TABLE journal DROP COLUMN actor; PRAGMA user_version = 5;
                """)
            let versionFive = Schema.migrations[4].sql.components(separatedBy: "CREATE VIEW journal_readable")
            try journal.connection.execute("CREATE VIEW journal_readable" + versionFive[1])
            journal.close()
        }
        let journal = try Journal(options: JournalOptions(path: path))
        defer { journal.close() }
        #expect(try journal.connection.scalarInt("PRAGMA user_version") == Schema.latestVersion)
        _ = try journal.commit([.operate(id, .retryNow, actor: "compctl:carol")], now: Timestamp(milliseconds: 1_700_000_001_000))
        #expect(try journal.history(of: id).map(\.actor) == [nil, nil, "compctl:carol"])
    }

    // MARK: Filters

    @Test("recoverable, created-at range and due-by filters match exactly what they say")
    func filters() throws {
        let fixture = try TestJournal()
        let start = fixture.now
        let a = try fixture.create(fixture.failure("a", recoverable: .recoverable))  // due start + 10 s
        fixture.advance(seconds: 60)
        let b = try fixture.create(fixture.failure("b"))  // due start + 70 s
        fixture.advance(seconds: 60)
        let c = try fixture.create(fixture.failure("c", recoverable: .unrecoverable))  // parked at once
        func ids(_ filter: ExecutionFilter) throws -> [ExecutionID] {
            try fixture.journal.list(filter: filter, before: nil, limit: 100).executions.map(\.id)
        }
        #expect(try ids(ExecutionFilter(recoverable: .recoverable)) == [a])
        #expect(try ids(ExecutionFilter(recoverable: .unknown)) == [b])
        #expect(try ids(ExecutionFilter(recoverable: .unrecoverable)) == [c])
        #expect(try ids(ExecutionFilter(createdAfter: start.adding(.seconds(60)))) == [c, b])
        #expect(try ids(ExecutionFilter(createdBefore: start.adding(.seconds(60)))) == [a])
        #expect(try ids(ExecutionFilter(createdAfter: start, createdBefore: start.adding(.seconds(61)))) == [b, a])
        #expect(try ids(ExecutionFilter(nextRetryBefore: start.adding(.seconds(10)))) == [a])
        #expect(try ids(ExecutionFilter(nextRetryBefore: start.adding(.seconds(70)))) == [b, a])
        #expect(try ids(ExecutionFilter(statuses: [.parked], nextRetryBefore: fixture.now.adding(.seconds(999)))) == [])
        // Bulk actions find their ids through the same clause.
        #expect(try fixture.journal.matchingIds(filter: ExecutionFilter(recoverable: .recoverable), limit: 10) == [a])
    }

    @Test("a FAILED list newest first gives the same pages through the due index (few FAILED) and by id (many)")
    func failedListBothPaths() throws {
        let fixture = try TestJournal()
        var ids: [ExecutionID] = []
        for index in 0..<7 {
            ids.append(try fixture.create(fixture.failure("e\(index)", service: index % 2 == 0 ? "a" : "b")))
            fixture.advance(seconds: 1)
        }
        _ = try fixture.operate(ids[3], .park)
        func pages() throws -> [[ExecutionID]] {
            var result: [[ExecutionID]] = []
            var cursor: ExecutionID?
            repeat {
                let page = try fixture.journal.list(filter: ExecutionFilter(statuses: [.failed]), before: cursor, limit: 4)
                result.append(page.executions.map(\.id))
                cursor = page.nextCursor
            } while cursor != nil
            return result
        }
        #expect(try fixture.journal.queries.listIndex(ExecutionFilter(statuses: [.failed])) == "executions_due")
        let throughIndex = try pages()
        #expect(throughIndex == [[ids[6], ids[5], ids[4], ids[2]], [ids[1], ids[0]]])
        // Pretend the FAILED set is large: the list walks the table by id instead, with the same answer.
        try fixture.journal.connection.execute("UPDATE status_counts SET count = \(Queries.smallFailedSet + 1) WHERE status = 1")
        #expect(try fixture.journal.queries.listIndex(ExecutionFilter(statuses: [.failed])) == nil)
        #expect(try pages() == throughIndex)
    }

    // MARK: Next retry order

    @Test("the list by next retry holds FAILED executions of every service, earliest due first, in keyset pages")
    func nextRetryPages() throws {
        let fixture = try TestJournal()
        var due: [(Timestamp, ExecutionID)] = []
        for index in 0..<9 {
            let service = ["orders", "billing", "mail"][index % 3]
            let id = try fixture.create(fixture.failure("e\(index)", service: service))
            due.append((try fixture.execution(id).nextRetryAt ?? fixture.now, id))
            fixture.advance(seconds: index % 2 == 0 ? 7 : 3)
        }
        let parked = try fixture.create(fixture.failure("p", recoverable: .unrecoverable))
        var seen: [ExecutionID] = []
        var position: ListPosition?
        var pages = 0
        repeat {
            let page = try fixture.journal.list(filter: ExecutionFilter(), order: .nextRetry, after: position, limit: 4)
            #expect(page.executions.allSatisfy { $0.status == .failed })
            seen += page.executions.map(\.id)
            position = page.nextCursor.map { ListPosition(id: $0, key: page.nextCursorKey) }
            if page.nextCursor != nil { #expect(page.nextCursorKey == page.executions.last?.nextRetryAt) }
            pages += 1
        } while position != nil
        #expect(pages == 3)
        #expect(!seen.contains(parked))
        #expect(seen == due.sorted { ($0.0.milliseconds, $0.1) < ($1.0.milliseconds, $1.1) }.map(\.1))
        let one = try fixture.journal.list(
            filter: ExecutionFilter(service: "billing"), order: .nextRetry, after: nil, limit: 100)
        #expect(one.executions.map(\.key.service) == ["billing", "billing", "billing"])
        let parkedOnly = try fixture.journal.list(
            filter: ExecutionFilter(statuses: [.parked]), order: .nextRetry, after: nil, limit: 100)
        #expect(parkedOnly.executions.isEmpty)
    }

    // MARK: Stats

    @Test("the due count counts FAILED executions due now across services, up to its limit")
    func dueCount() throws {
        let fixture = try TestJournal()
        for index in 0..<5 { _ = try fixture.create(fixture.failure("e\(index)", service: index < 3 ? "a" : "b")) }
        #expect(try fixture.journal.dueCount(now: fixture.now, limit: 100) == 0)
        fixture.advance(seconds: 10)
        _ = try fixture.create(fixture.failure("late"))
        #expect(try fixture.journal.dueCount(now: fixture.now, limit: 100) == 5)
        #expect(try fixture.journal.dueCount(now: fixture.now, limit: 4) == 4)
        #expect(try fixture.journal.dueCount(now: fixture.now.adding(.seconds(10)), limit: 100) == 6)
    }

    @Test("the overview counts failures, failure results and timeouts per service and hour, and the top codes")
    func overview() throws {
        let fixture = try TestJournal()
        let hour: Int64 = 3_600_000
        // Start at the beginning of an hour so buckets are easy to name.
        fixture.now = Timestamp(milliseconds: (fixture.now.milliseconds / hour + 1) * hour)
        let first = fixture.now
        let a = try fixture.create(fixture.failure("a", service: "orders", code: "DB_DOWN"))
        _ = try fixture.create(fixture.failure("b", service: "billing", code: "HTTP_503"))
        fixture.advance(seconds: 3600 + 20)  // next hour; a is due
        let leased = try fixture.lease(service: "orders")
        #expect(leased.map(\.id) == [a])
        _ = try fixture.records([fixture.failure("a", service: "orders", code: "HTTP_503", lease: (a, leased[0].lease?.token ?? 0))])
        _ = try fixture.records([fixture.failure("b", service: "billing", code: "HTTP_503")])  // joins b
        fixture.advance(seconds: 200)
        let again = try fixture.lease(service: "orders")
        #expect(again.map(\.id) == [a])
        fixture.advance(seconds: 31)
        guard case .expired(let expired)? = try fixture.commit([.expireLeases(limit: 10)]).results.first else {
            Issue.record("no expiry"); return
        }
        #expect(expired.map(\.id) == [a])
        _ = try fixture.records([fixture.success("b", service: "billing")])  // successes count nothing

        let overview = try fixture.journal.failureOverview(now: fixture.now)
        #expect(overview.since.milliseconds == first.milliseconds - 22 * hour)
        let series = Dictionary(uniqueKeysWithValues: overview.series.map { ($0.service, $0.counts) })
        #expect(overview.series.map(\.service) == ["billing", "orders"])
        #expect(series["orders"]?.count == 24)
        #expect(series["orders"]?.suffix(2) == [1, 2])  // the failure; then a failure result and a timeout
        #expect(series["billing"]?.suffix(2) == [1, 1])
        #expect(overview.topDay == [.init(code: "HTTP_503", count: 3), .init(code: "DB_DOWN", count: 1), .init(code: "TIMEOUT", count: 1)])
        #expect(overview.topHour == [.init(code: "HTTP_503", count: 2), .init(code: "TIMEOUT", count: 1)])
        // A day later the first hour has left the window.
        let later = try fixture.journal.failureOverview(now: first.adding(.seconds(24 * 3600)))
        #expect(later.series.first { $0.service == "orders" }?.counts.reduce(0, +) == 2)
        #expect(later.topHour.isEmpty)
    }

    @Test("a commit that fails takes its failure counts with it")
    func rollbackCounts() throws {
        let fixture = try TestJournal()
        try fixture.failCommits(whenEventId: "poison")
        _ = try fixture.create(fixture.failure("ok", code: "FINE"))
        #expect(throws: JournalError.self) { try fixture.records([fixture.failure("poison", code: "BAD")]) }
        let overview = try fixture.journal.failureOverview(now: fixture.now)
        #expect(overview.topDay == [.init(code: "FINE", count: 1)])
    }

    // MARK: Query plans

    /// The detail lines of `EXPLAIN QUERY PLAN sql`.
    private func plan(_ connection: Connection, _ sql: String) throws -> [String] {
        let statement = try connection.prepare("EXPLAIN QUERY PLAN " + sql)
        var lines: [String] = []
        while try statement.step() { lines.append(statement.text(3)) }
        return lines
    }

    /// True when a plan line reads a whole table (a SCAN of the table itself rather than of an index).
    private func scansTable(_ lines: [String]) -> Bool {
        lines.contains { line in
            (line.hasPrefix("SCAN executions") || line.hasPrefix("SCAN journal")) && !line.contains("INDEX")
        }
    }

    @Test("the console's status views, the due count and the overview read through indexes, never a table scan or COUNT over it")
    func queryPlans() throws {
        let fixture = try TestJournal()
        let connection = fixture.journal.connection
        func listPlan(_ filter: ExecutionFilter) throws -> [String] {
            let clause = Queries.whereClause(filter, before: 99)
            return try plan(connection, Queries.listSQL(clause.sql, index: try fixture.journal.queries.listIndex(filter)))
        }
        // To retry and due now: one range of executions_due per service, in its order (no sort).
        for filter in [ExecutionFilter(statuses: [.failed], service: "orders"),
                       ExecutionFilter(statuses: [.failed], service: "orders", nextRetryBefore: fixture.now)] {
            let clause = Queries.whereClause(filter, before: nil, dueOrder: .after(fixture.now, 5))
            let lines = try plan(connection, Queries.dueListSQL(clause.sql))
            #expect(lines.contains { $0.contains("USING INDEX executions_due") }, "\(lines)")
            #expect(!lines.contains { $0.contains("TEMP B-TREE") }, "\(lines)")
            #expect(!scansTable(lines), "\(lines)")
        }
        let services = try plan(connection, Queries.failedServicesSQL)
        #expect(services.contains { $0.contains("executions_due") }, "\(services)")
        #expect(!scansTable(services), "\(services)")
        // To retry newest first (while FAILED executions are few, as here) and due by: the due index, sorted.
        for filter in [ExecutionFilter(statuses: [.failed]), ExecutionFilter(nextRetryBefore: fixture.now),
                       ExecutionFilter(statuses: [.failed], errorCode: "X")] {
            let lines = try listPlan(filter)
            #expect(lines.contains { $0.contains("executions_due") }, "\(lines)")
            #expect(!scansTable(lines), "\(lines)")
        }
        // Executing: the lease index. Parked by reason and discarded: the status index.
        let executing = try listPlan(ExecutionFilter(statuses: [.prepared]))
        #expect(executing.contains { $0.contains("executions_lease") }, "\(executing)")
        #expect(!scansTable(executing), "\(executing)")
        for filter in [ExecutionFilter(statuses: [.parked], parkReason: .exhausted), ExecutionFilter(statuses: [.parked]),
                       ExecutionFilter(statuses: [.discarded])] {
            let lines = try listPlan(filter)
            #expect(lines.contains { $0.contains("executions_status") }, "\(lines)")
            #expect(!scansTable(lines), "\(lines)")
        }
        // Counts: the due count is an index range (covering), the status counts a small table, the overview a
        // primary-key range of failure_counts.
        let due = try plan(connection, Queries.dueCountSQL)
        #expect(due.contains { $0.contains("COVERING INDEX executions_due") }, "\(due)")
        let overview = try plan(connection, Queries.failureCountsSQL)
        #expect(overview.contains { $0.contains("SEARCH failure_counts") && $0.contains("PRIMARY KEY") }, "\(overview)")
    }
}
