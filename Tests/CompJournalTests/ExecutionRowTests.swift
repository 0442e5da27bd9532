import CompModel
import Testing

@testable import CompJournal

struct ExecutionRowTests {
    @Test("rows are decoded by column name, whatever the order of the SELECT list")
    func decodeByName() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1", correlation: "order-1"))
        fixture.advance(seconds: 10)
        _ = try fixture.lease()
        let expected = try fixture.execution(id)
        let reversed = ExecutionRow.names.reversed().joined(separator: ", ")
        let statement = try fixture.journal.connection.prepare("SELECT 42 AS extra, \(reversed) FROM executions WHERE id = ?1")
        try statement.bind(id, at: 1)
        #expect(try statement.step())
        #expect(try ExecutionRow.decode(statement) == expected)
    }

    @Test("a SELECT that lacks a column is refused by name, not read at a wrong position")
    func missingColumn() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        let columns = ExecutionRow.names.filter { $0 != "lease_holder" }.joined(separator: ", ")
        let statement = try fixture.journal.connection.prepare("SELECT \(columns) FROM executions WHERE id = ?1")
        try statement.bind(id, at: 1)
        #expect(try statement.step())
        #expect { try ExecutionRow.decode(statement) } throws: { error in
            (error as? JournalError)?.message.contains("lease_holder") == true
        }
    }

    /// The row of `id` as the table holds it (not through the leased executions the journal keeps).
    private func stored(_ id: ExecutionID, in fixture: TestJournal) throws -> Execution {
        let statement = try fixture.journal.connection.prepare(
            "SELECT \(ExecutionRow.columns) FROM executions WHERE id = ?1")
        try statement.bind(id, at: 1)
        #expect(try statement.step())
        return try ExecutionRow.decode(statement)
    }

    @Test("an UPDATE names only the columns that changed, and after every kind of transition the row is the model's")
    func updateWhatChanged() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1", correlation: "c"))
        var model = try fixture.execution(id)
        #expect(try stored(id, in: fixture) == model)
        func step(_ name: String, _ commands: [JournalCommand]) throws {
            fixture.advance(seconds: 10)
            try fixture.commit(commands)
            let next = try fixture.execution(id)
            #expect(next != model, "\(name) changed nothing")
            #expect(try stored(id, in: fixture) == next, "\(name)")
            model = next
        }
        try step("lease", [.leaseDue(service: "orders", holder: "node-1", limit: 10, budget: .unlimited)])
        let first = try #require(model.lease)
        try step("extension", [.extendLease(id, token: first.token, by: .seconds(30))])
        #expect(ExecutionRow.changed(from: model, to: model) == .none)
        try step("failure result", [.record(fixture.failure("e1", code: "TIMEOUT", lease: (id, first.token)))])
        try step("operator spec", [.operate(id, .applySpec(RetrySpec(
            maxRetries: 9, minBackoff: .milliseconds(5), maxBackoff: .seconds(60), executionTimeout: .seconds(3),
            jitterPermille: 100, deadline: nil)))])
        try step("mark", [.operate(id, .mark(.recoverable))])
        try step("change function", [.operate(id, .changeFunction("ship-v2"))])
        #expect(model.key.function == "ship-v2")
        try step("park", [.operate(id, .park)])
        try step("retry", [.operate(id, .retryNow)])
        try step("lease again", [.leaseDue(service: "orders", holder: "node-2", limit: 10, budget: .unlimited)])
        let second = try #require(model.lease)
        try step("force retry", [.operate(id, .forceRetry)])
        try step("lease a third time", [.leaseDue(service: "orders", holder: "node-3", limit: 10, budget: .unlimited)])
        let third = try #require(model.lease)
        #expect(second.token != third.token)
        try step("success result", [.record(fixture.success("e1", function: "ship-v2", lease: (id, third.token)))])
        #expect(model.status == .succeeded)
        try fixture.reopen()
        #expect(try stored(id, in: fixture) == model)
    }

    @Test("every column but the id is compared: two executions that differ in every field differ in 29 columns")
    func changedComparesEveryColumn() throws {
        #expect(ExecutionRow.Column.allCases.count == 30)  // a new column must be compared in changed(from:to:) too
        let old = Execution(
            id: 7, key: ExecutionKey(service: "s", processor: "p", function: "f", eventId: "e"), correlationId: "c",
            status: .failed, parkReason: nil, recoverable: .unknown, markedByOperator: false, retries: 0,
            spec: RetrySpec(
                maxRetries: 1, minBackoff: .milliseconds(2), maxBackoff: .milliseconds(3),
                executionTimeout: .milliseconds(4), jitterPermille: 5, deadline: nil),
            nextRetryAt: nil, lease: nil, lastError: ErrorInfo(code: "A", message: "a", detail: "a"), payload: [1],
            createdAt: Timestamp(milliseconds: 1), updatedAt: Timestamp(milliseconds: 1), returns: 0)
        let new = Execution(
            id: 7, key: ExecutionKey(service: "s2", processor: "p2", function: "f2", eventId: "e2"),
            correlationId: "c2", status: .parked, parkReason: .manual, recoverable: .recoverable,
            markedByOperator: true, retries: 1,
            spec: RetrySpec(
                maxRetries: 2, minBackoff: .milliseconds(3), maxBackoff: .milliseconds(4),
                executionTimeout: .milliseconds(5), jitterPermille: 6, deadline: Timestamp(milliseconds: 9)),
            nextRetryAt: Timestamp(milliseconds: 10),
            lease: Lease(token: 11, holder: "h", grantedAt: Timestamp(milliseconds: 12), until: Timestamp(milliseconds: 13)),
            lastError: ErrorInfo(code: "B", message: "b", detail: "b"), payload: [2],
            createdAt: Timestamp(milliseconds: 2), updatedAt: Timestamp(milliseconds: 3), returns: 1)
        let columns = ExecutionRow.changed(from: old, to: new)
        #expect(columns.members.count == 29)
        #expect(!columns.contains(.id))
        #expect(ExecutionRow.updateSQL(columns).hasSuffix("WHERE id = ?30"))
        let fixture = try TestJournal()
        let statement = try fixture.journal.connection.cached(HotStatement.insertExecution)
        try ExecutionRow.bind(old, to: statement, first: 1)
        try statement.run()
        let update = try fixture.journal.connection.cached(executionUpdate: columns)
        try ExecutionRow.bindUpdate(new, columns: columns, to: update)
        try update.run()
        #expect(try stored(7, in: fixture) == new)
    }

    @Test("the positional INSERT of many rows writes every column: each field set reads back equal, for 1, 8 and 32 rows")
    func bindByPosition() throws {
        #expect(ExecutionRow.Column.allCases.count == 30)  // a new column must be bound in bind(_:to:first:) too
        let fixture = try TestJournal()
        func execution(_ id: ExecutionID) -> Execution {
            Execution(
                id: id, key: ExecutionKey(service: "s\(id)", processor: "p\(id)", function: "f\(id)", eventId: "e\(id)"),
                correlationId: "c\(id)", status: .prepared, parkReason: id % 2 == 0 ? .manual : nil,
                recoverable: .unrecoverable, markedByOperator: true, retries: Int(id % 5),
                spec: RetrySpec(
                    maxRetries: 7, minBackoff: .milliseconds(11), maxBackoff: .milliseconds(13),
                    executionTimeout: .milliseconds(17), jitterPermille: 19, deadline: Timestamp(milliseconds: 23 + id)),
                nextRetryAt: Timestamp(milliseconds: 29 + id),
                lease: Lease(token: UInt64(31 + id), holder: "h\(id)", grantedAt: Timestamp(milliseconds: 37),
                             until: Timestamp(milliseconds: 41)),
                lastError: ErrorInfo(code: "E\(id)", message: "m\(id)", detail: "d\(id)"), payload: [UInt8(id % 256), 1, 2],
                createdAt: Timestamp(milliseconds: 43), updatedAt: Timestamp(milliseconds: 47), returns: 3)
        }
        var next: ExecutionID = 1
        for (rows, hot) in [(1, HotStatement.insertExecution), (8, .insertExecutions8), (32, .insertExecutions32)] {
            let statement = try fixture.journal.connection.cached(hot)
            let executions = (0..<rows).map { execution(next + ExecutionID($0)) }
            for (row, value) in executions.enumerated() {
                try ExecutionRow.bind(value, to: statement, first: Int32(row * 30 + 1))
            }
            try statement.run()
            for value in executions { #expect(try fixture.journal.execution(value.id) == value) }
            next += ExecutionID(rows)
        }
    }

    @Test("fresh executions go through the INSERT that spells their constant columns, the others through the full one, interleaved in one flush, and every row reads back equal")
    func freshAndFullInserts() throws {
        #expect(ExecutionRow.freshBound.count == 22)
        #expect(ExecutionRow.freshBound.count + ExecutionRow.freshConstants.count == ExecutionRow.Column.allCases.count)
        let fixture = try TestJournal()
        func execution(_ id: ExecutionID, fresh: Bool) -> Execution {
            Execution(
                id: id, key: ExecutionKey(service: "s\(id)", processor: "p\(id)", function: "f\(id)", eventId: "e\(id)"),
                correlationId: "c\(id)", status: fresh ? .failed : .prepared, parkReason: !fresh && id % 2 == 0 ? .manual : nil,
                recoverable: .unrecoverable, markedByOperator: !fresh && id % 3 == 0, retries: fresh ? 0 : Int(id % 5),
                spec: RetrySpec(
                    maxRetries: 7, minBackoff: .milliseconds(11), maxBackoff: .milliseconds(13),
                    executionTimeout: .milliseconds(17), jitterPermille: 19, deadline: Timestamp(milliseconds: 23 + id)),
                nextRetryAt: Timestamp(milliseconds: 29 + id),
                lease: fresh ? nil : Lease(token: UInt64(31 + id), holder: "h\(id)", grantedAt: Timestamp(milliseconds: 37),
                                           until: Timestamp(milliseconds: 41)),
                lastError: ErrorInfo(code: "E\(id)", message: "m\(id)", detail: "d\(id)"), payload: [UInt8(id % 256), 1, 2],
                createdAt: Timestamp(milliseconds: 43), updatedAt: Timestamp(milliseconds: 47 + id), returns: fresh ? 0 : 3)
        }
        // Runs of 41 fresh (32 + 8 + 1), 3 full, 9 fresh (8 + 1), 1 full, 33 fresh: every statement of both kinds.
        var executions: [Execution] = []
        for (count, fresh) in [(41, true), (3, false), (9, true), (1, false), (33, true)] {
            for _ in 0..<count { executions.append(execution(ExecutionID(executions.count + 1), fresh: fresh)) }
        }
        #expect(executions.filter(ExecutionRow.isFresh).count == 83)
        try fixture.journal.connection.inTransaction { () throws(JournalError) in
            for value in executions { try fixture.journal.store.write(value, previous: nil, deferInsert: true) }
            #expect(fixture.journal.store.pendingExecution(44)?.id == 44)
            try fixture.journal.store.flushExecutions()
        }
        for value in executions { #expect(try fixture.journal.execution(value.id) == value) }
    }
}
