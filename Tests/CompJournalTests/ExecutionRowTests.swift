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

    @Test("insert (by position) and update (by named parameter) round-trip all fields")
    func bindByName() throws {
        #expect(!ExecutionRow.updateSQL.contains("correlation_id"))
        #expect(ExecutionRow.updateSQL.contains("returns = :returns"))
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1", correlation: "c"))
        fixture.advance(seconds: 10)
        let leased = try #require(try fixture.lease().first)
        #expect(try fixture.execution(id) == leased)
        _ = try fixture.operate(id, .mark(.recoverable))
        let changed = try fixture.execution(id)
        try fixture.reopen()
        #expect(try fixture.execution(id) == changed)
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
}
