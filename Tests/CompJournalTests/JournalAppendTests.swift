import CompModel
import Testing

@testable import CompJournal

/// Journal rows are written many to a statement at the end of each unit; what is stored must not depend on it.
struct JournalAppendTests {
    /// Every journal row as text, in seq order.
    private func rows(_ journal: Journal) throws -> [String] {
        let statement = try journal.connection.prepare(
            "SELECT seq, hex(record_id), execution_id, at, kind, hex(body), summary, actor FROM journal ORDER BY seq")
        var rows: [String] = []
        while try statement.step() {
            rows.append((0..<8).map { statement.optionalText($0) ?? "NULL" }.joined(separator: "|"))
        }
        return rows
    }

    /// 45 records (one statement of 32, one of 8, five of one), among them repeats of a key, a success that
    /// closes an execution, a resent record (a duplicate within the unit), one for a key not held, and a
    /// rejected one.
    private func records(_ fixture: TestJournal) -> [IncomingRecord] {
        var records: [IncomingRecord] = []
        for index in 0..<40 { records.append(fixture.failure("e\(index % 30)", correlation: "order-\(index)")) }
        records.append(records[3])  // the same record id again
        records.append(fixture.success("e1"))
        records.append(fixture.success("never-failed"))
        var bad = fixture.failure("bad")
        bad.spec = RetrySpec(maxRetries: -1)
        records.append(bad)
        records.append(fixture.failure("e44"))
        return records
    }

    @Test("a unit of 45 records stores the same rows, seqs and results as 45 units of one record")
    func sameAsOneByOne() throws {
        let batched = try TestJournal()
        let single = try TestJournal()
        single.random = batched.random
        let input = records(batched)
        let group = try batched.journal.commit([input.map { .record($0) }], now: batched.now)
        let oneByOne = try single.journal.commit(input.map { [.record($0)] }, now: single.now)
        guard case .applied(let results) = group.units.first else {
            Issue.record("the unit failed: \(group.units)")
            return
        }
        let singleResults = oneByOne.units.compactMap { unit -> CommandResult? in
            if case .applied(let results) = unit { return results.first }
            return nil
        }
        #expect(results.count == 45)
        #expect("\(results)" == "\(singleResults)")
        guard case .record(.duplicate(let first)) = results[40], case .record(.accepted(let original)) = results[3] else {
            Issue.record("the resent record is not a duplicate: \(results[40])")
            return
        }
        #expect(first == original)
        let stored = try rows(batched.journal)
        #expect(stored == (try rows(single.journal)))
        // Every record but the duplicate, the success of a key not held and the rejected one is a row.
        #expect(stored.count == 42)
        #expect(batched.journal.headSeq == Int64(stored.count))
        #expect(try batched.allExecutions() == (try single.allExecutions()))
    }

    @Test("a record resent in a later unit of the same group commit is a duplicate")
    func duplicateAcrossUnits() throws {
        let fixture = try TestJournal()
        let record = fixture.failure("e1")
        let group = try fixture.journal.commit([[.record(record)], [.record(record)]], now: fixture.now)
        guard case .applied(let first) = group.units[0], case .applied(let second) = group.units[1],
            case .record(.accepted(let id))? = first.first
        else {
            Issue.record("unexpected outcomes \(group.units)")
            return
        }
        #expect(second.first.map { "\($0)" } == "\(CommandResult.record(.duplicate(id)))")
        #expect(try rows(fixture.journal).count == 1)
    }

    @Test("a new execution not yet inserted is seen by a result naming it and by a lease later in the same unit")
    func pendingExecutionSeen() throws {
        let fixture = try TestJournal()
        let dueNow = RetrySpec(
            maxRetries: 3, minBackoff: .milliseconds(0), maxBackoff: .milliseconds(1), executionTimeout: .seconds(30),
            jitterPermille: 0)
        let created = fixture.failure("now", spec: dueNow)
        // The new execution's id is its row's seq: 1. A result with a token that was never issued is stale.
        let result = fixture.success("now", lease: (1, 99))
        let group = try fixture.journal.commit(
            [[.record(created), .record(result), .leaseDue(service: "orders", holder: "node-1", limit: 10)]],
            now: fixture.now)
        guard case .applied(let results) = group.units.first, results.count == 3 else {
            Issue.record("unexpected outcome \(group.units)")
            return
        }
        #expect("\(results[0])" == "\(CommandResult.record(.accepted(1)))")
        #expect("\(results[1])" == "\(CommandResult.record(.stale(1)))")
        guard case .leased(let leased) = results[2] else {
            Issue.record("expected leases, got \(results[2])")
            return
        }
        #expect(leased.map { $0.id } == [1])
        #expect(try fixture.execution(1).status == .prepared)
        #expect(try rows(fixture.journal).count == 3)  // the failure, the stale result, the lease
    }

    @Test("new executions waiting for the unit's end: a later write replaces one, a delete takes one out, the rest are inserted in order")
    func pendingExecutions() throws {
        let fixture = try TestJournal()
        var store = Store(connection: fixture.journal.connection)
        func execution(_ id: ExecutionID, retries: Int = 0) -> Execution {
            var value = Execution.create(
                id: id, key: fixture.key("e\(id)"), correlationId: "", failure: FailureReport(
                    error: ErrorInfo(code: "DB_DOWN", message: "refused"), recoverable: .unknown, occurredAt: fixture.now),
                spec: TestJournal.spec, payload: [UInt8(id)], now: fixture.now, random: &fixture.random)
            value.retries = retries
            return value
        }
        for id: ExecutionID in 1...5 { try store.write(execution(id), previous: nil, deferInsert: true) }
        try store.write(execution(2, retries: 3), previous: execution(2), deferInsert: true)
        try store.delete(3, status: .failed, parkReason: nil)
        try store.write(execution(6), previous: nil, deferInsert: true)
        try store.write(execution(4, retries: 1), previous: execution(4), deferInsert: true)
        #expect(store.pendingExecution(3) == nil)
        #expect(store.pendingExecution(4)?.retries == 1)
        #expect(try fixture.journal.connection.scalarInt("SELECT count(*) FROM executions") == 0)
        try store.flushExecutions()
        #expect(store.pendingExecution(2) == nil)
        let statement = try fixture.journal.connection.prepare("SELECT id, retries FROM executions ORDER BY id")
        var rows: [String] = []
        while try statement.step() { rows.append("\(statement.int64(0)):\(statement.int64(1))") }
        #expect(rows == ["1:0", "2:3", "4:1", "5:0", "6:0"])
    }
}
