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

    @Test("every column is written by named parameter: insert and update round-trip all fields")
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
}
