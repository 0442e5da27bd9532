import CompModel
import Foundation
import Testing

@testable import CompJournal

struct QueryTests {
    /// Twelve executions across services, functions, correlations and statuses.
    private func populate(_ fixture: TestJournal) throws -> [ExecutionID] {
        var ids: [ExecutionID] = []
        for index in 0..<12 {
            let service = index % 2 == 0 ? "orders" : "billing"
            let function = index % 3 == 0 ? "ship" : "notify"
            ids.append(try fixture.create(fixture.failure(
                "e\(index)", service: service, function: function, code: index < 6 ? "DB_DOWN" : "HTTP_500",
                correlation: index < 4 ? "order-1" : "")))
            fixture.advance(seconds: 1)
        }
        _ = try fixture.records([fixture.success("e0")])  // e0 succeeded
        _ = try fixture.operate(ids[1], .park)  // e1 parked (manual)
        _ = try fixture.operate(ids[2], .discard)  // e2 discarded
        return ids
    }

    @Test("list pages newest first with a cursor until the last page")
    func paging() throws {
        let fixture = try TestJournal()
        let ids = try populate(fixture)
        var seen: [ExecutionID] = []
        var cursor: ExecutionID?
        var pages = 0
        repeat {
            let page = try fixture.journal.list(filter: ExecutionFilter(), before: cursor, limit: 5)
            seen += page.executions.map(\.id)
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil
        #expect(pages == 3)
        #expect(seen == ids.reversed())
        let exact = try fixture.journal.list(filter: ExecutionFilter(), before: nil, limit: 12)
        #expect(exact.executions.count == 12)
        #expect(exact.nextCursor == nil)
        #expect(try fixture.journal.list(filter: ExecutionFilter(), before: ids[3], limit: 10).executions.map(\.id)
            == [ids[2], ids[1], ids[0]])
    }

    @Test("each filter field selects what it names")
    func filters() throws {
        let fixture = try TestJournal()
        let ids = try populate(fixture)
        func matching(_ filter: ExecutionFilter) throws -> [ExecutionID] {
            let listed = try fixture.journal.list(filter: filter, before: nil, limit: 100).executions.map(\.id)
            #expect(try fixture.journal.matchingIds(filter: filter, limit: 100) == listed)
            return listed.sorted()
        }
        #expect(try matching(ExecutionFilter(statuses: [.succeeded])) == [ids[0]])
        #expect(try matching(ExecutionFilter(statuses: [.parked])) == [ids[1]])
        #expect(try matching(ExecutionFilter(statuses: [.parked, .discarded])) == [ids[1], ids[2]])
        #expect(try matching(ExecutionFilter(statuses: [.failed])) == Array(ids[3...]))
        #expect(try matching(ExecutionFilter(statuses: [.failed, .succeeded])) == [ids[0]] + Array(ids[3...]))
        #expect(try matching(ExecutionFilter(parkReason: .manual)) == [ids[1]])
        #expect(try matching(ExecutionFilter(service: "billing")) == [1, 3, 5, 7, 9, 11].map { ids[$0] })
        #expect(try matching(ExecutionFilter(processor: "main")).count == 12)
        #expect(try matching(ExecutionFilter(processor: "other")).isEmpty)
        #expect(try matching(ExecutionFilter(function: "ship")) == [0, 3, 6, 9].map { ids[$0] })
        #expect(try matching(ExecutionFilter(eventId: "e7")) == [ids[7]])
        #expect(try matching(ExecutionFilter(correlationId: "order-1")) == Array(ids[0..<4]))
        #expect(try matching(ExecutionFilter(correlationId: "")) == Array(ids[4...]))
        #expect(try matching(ExecutionFilter(errorCode: "HTTP_500")) == Array(ids[6...]))
        #expect(try matching(ExecutionFilter(statuses: [.failed], service: "orders", function: "ship"))
            == [6].map { ids[$0] })
        #expect(try fixture.journal.matchingIds(filter: ExecutionFilter(), limit: 2) == [ids[11], ids[10]])
    }

    @Test("counts per status and park reason follow every change")
    func counts() throws {
        let fixture = try TestJournal()
        _ = try populate(fixture)
        let expected: Set<StatusCount> = [
            StatusCount(status: .failed, parkReason: nil, count: 9),
            StatusCount(status: .parked, parkReason: .manual, count: 1),
            StatusCount(status: .succeeded, parkReason: nil, count: 1),
            StatusCount(status: .discarded, parkReason: nil, count: 1),
        ]
        #expect(Set(try fixture.journal.counts()) == expected)
        // The kept counts equal a full count of the table.
        let grouped = try fixture.journal.connection.prepare(
            "SELECT status, park_reason, count(*) FROM executions GROUP BY status, park_reason")
        var counted: Set<StatusCount> = []
        while try grouped.step() {
            let status = try #require(ExecutionStatus(rawValue: UInt8(grouped.int64(0))))
            let reason = grouped.optionalInt64(1).flatMap { ParkReason(rawValue: UInt8($0)) }
            counted.insert(StatusCount(status: status, parkReason: reason, count: Int(grouped.int64(2))))
        }
        #expect(counted == expected)
    }

    @Test("history and timeline return journal rows in seq order")
    func historyAndTimeline() throws {
        let fixture = try TestJournal()
        let ids = try populate(fixture)
        let history = try fixture.journal.history(of: ids[0])
        #expect(history.map(\.kind) == ["failure", "success"])
        #expect(history.allSatisfy { $0.executionId == ids[0] && $0.recordId != nil })
        let timeline = try fixture.journal.timeline(correlationId: "order-1")
        #expect(Set(timeline.map(\.executionId)) == Set(ids[0..<4]))
        #expect(timeline.map(\.seq) == timeline.map(\.seq).sorted())
        #expect(timeline.count == 7)  // 4 failures, a success, a park, a discard
        #expect(try fixture.journal.timeline(correlationId: "").isEmpty)
        #expect(try fixture.journal.timeline(correlationId: "nope").isEmpty)
        #expect(try fixture.journal.history(of: 123_456).isEmpty)
    }

    @Test("due and lease queries: oldest first, earliest times, due services")
    func scheduling() throws {
        let fixture = try TestJournal()
        let start = fixture.now
        let a = try fixture.create(fixture.failure("a", service: "orders"))
        fixture.advance(seconds: 2)
        let b = try fixture.create(fixture.failure("b", service: "billing"))
        fixture.advance(seconds: 2)
        let c = try fixture.create(fixture.failure("c", service: "orders"))
        #expect(try fixture.journal.earliestDue() == start.adding(.seconds(10)))
        #expect(try fixture.journal.earliestDue(service: "billing") == start.adding(.seconds(12)))
        #expect(try fixture.journal.earliestDue(service: "nobody") == nil)
        #expect(try fixture.journal.dueServices(now: start.adding(.seconds(11))) == ["orders"])
        #expect(try fixture.journal.dueServices(now: start.adding(.seconds(12))) == ["billing", "orders"])
        #expect(try fixture.journal.dueExecutions(now: start.adding(.seconds(20)), limit: 10).map(\.id) == [a, b, c])
        #expect(try fixture.journal.dueExecutions(now: start.adding(.seconds(12)), limit: 1).map(\.id) == [a])
        #expect(try fixture.journal.earliestLeaseExpiry() == nil)

        fixture.now = start.adding(.seconds(20))
        _ = try fixture.lease(service: "orders")
        #expect(try fixture.journal.earliestDue() == start.adding(.seconds(12)))
        #expect(try fixture.journal.earliestLeaseExpiry() == fixture.now.adding(.seconds(30)))
        #expect(try fixture.journal.expiredLeases(now: fixture.now.adding(.seconds(29)), limit: 10).isEmpty)
        #expect(try fixture.journal.expiredLeases(now: fixture.now.adding(.seconds(30)), limit: 10).map(\.id) == [a, c])
        #expect(try fixture.journal.expiredLeases(now: fixture.now.adding(.seconds(30)), limit: 1).map(\.id) == [a])
    }

    @Test("a reader sees committed data, not the writer's open transaction, and does not block it")
    func reader() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1", correlation: "order-1"))
        try fixture.commit([.setPaused(service: "billing", paused: true)])
        let reader = try JournalReader(path: fixture.path)
        #expect(try reader.execution(id) == fixture.journal.execution(id))
        #expect(try reader.pausedServices() == ["billing"])

        // The writer holds a write transaction with an uncommitted change.
        try fixture.journal.connection.execute("BEGIN IMMEDIATE")
        try fixture.journal.connection.execute("UPDATE executions SET error_code = 'UNCOMMITTED'")
        let seen = try #require(try reader.execution(id))
        #expect(seen.lastError.code == "DB_DOWN")
        #expect(try reader.history(of: id).count == 1)
        #expect(try reader.timeline(correlationId: "order-1").count == 1)
        #expect(try reader.list(filter: ExecutionFilter(), before: nil, limit: 10).executions.count == 1)
        #expect(try reader.matchingIds(filter: ExecutionFilter(), limit: 10) == [id])
        #expect(try reader.counts() == [StatusCount(status: .failed, parkReason: nil, count: 1)])
        #expect(try reader.earliestDue() == fixture.now.adding(.seconds(10)))
        #expect(try reader.earliestDue(service: "orders") == fixture.now.adding(.seconds(10)))
        #expect(try reader.dueServices(now: fixture.now.adding(.seconds(10))) == ["orders"])
        #expect(try reader.dueExecutions(now: fixture.now.adding(.seconds(10)), limit: 5).map(\.id) == [id])
        #expect(try reader.earliestLeaseExpiry() == nil)
        #expect(try reader.expiredLeases(now: fixture.now, limit: 5).isEmpty)
        try fixture.journal.connection.execute("ROLLBACK")

        // New commits become visible to the same reader.
        let second = try fixture.create(fixture.failure("e2"))
        #expect(try reader.execution(second) != nil)
        // The reader cannot write.
        #expect(throws: JournalError.self) { try reader.connection.execute("DELETE FROM executions") }
    }

    @Test("the SQL the queries run uses the partial indexes")
    func queryPlans() throws {
        let fixture = try TestJournal()
        func plan(_ sql: String) throws -> String {
            let statement = try fixture.journal.connection.prepare("EXPLAIN QUERY PLAN " + sql)
            var lines: [String] = []
            while try statement.step() { lines.append(statement.text(3)) }
            return lines.joined(separator: "; ")
        }
        func listPlan(_ filter: ExecutionFilter) throws -> String {
            try plan(Queries.listSQL(Queries.whereClause(filter, before: 5).sql))
        }
        for sql in Store.openKeyHashesSQL {  // the start-up load of the open-key map reads the open rows only
            #expect(try plan(sql).contains("USING COVERING INDEX"), "\(sql)")
        }
        let due = try plan(Queries.dueSQL)
        #expect(due.contains("executions_due") && !due.contains("TEMP B-TREE"))
        #expect(try plan(Queries.earliestDueServiceSQL).contains("executions_due"))
        let expired = try plan(Queries.expiredSQL)
        #expect(expired.contains("executions_lease") && !expired.contains("TEMP B-TREE"))
        #expect(try plan(Queries.earliestLeaseSQL).contains("executions_lease"))
        let leased = try plan(Queries.leasedSQL)
        #expect(leased.contains("executions_lease") && !leased.contains("TEMP B-TREE"), "\(leased)")
        #expect(try plan(Queries.recordSQL).contains("journal_record"))
        // Version 10: a creation row by primary key, the other rows of an execution through the partial index.
        for sql in [Queries.historySQL, Queries.timelineSQL, ChangeReader.earlierRowsSQL] {
            let rows = try plan(sql)
            #expect(rows.contains("INTEGER PRIMARY KEY") && rows.contains("journal_execution"), "\(rows)")
        }
        #expect(try plan(Store.deleteRowsSQL[0]).contains("INTEGER PRIMARY KEY"))
        #expect(try plan(Store.deleteRowsSQL[1]).contains("journal_execution"))
        #expect(try plan(Queries.executionSQL).contains("INTEGER PRIMARY KEY"))
        let prune = try plan(Journal.pruneSelectSQL)
        #expect(prune.contains("executions_finished") && !prune.contains("TEMP B-TREE"))
        #expect(try listPlan(ExecutionFilter(statuses: [.parked])).contains("executions_status"))
        #expect(try listPlan(ExecutionFilter(statuses: [.parked, .discarded])).contains("executions_status"))
        // No correlation index (schema version 3: it was most of the pages a new failure wrote in a large
        // store): a list by correlation walks the table newest first by id, no sort, and stops at the page.
        let correlation = try listPlan(ExecutionFilter(statuses: [.failed, .parked], correlationId: "order-1"))
        #expect(correlation.contains("executions") && !correlation.contains("TEMP B-TREE"), "\(correlation)")
        #expect(try plan(Queries.matchingIdsSQL(Queries.whereClause(ExecutionFilter(statuses: [.parked]), before: nil).sql))
            .contains("executions_status"))
        #expect(try plan("SELECT min(due) FROM (\(Queries.earliestPerService))").contains("executions_due"))
    }
}
