import CompModel
import Testing

@testable import CompJournal

struct FailureTests {
    @Test("a batch that fails midway rolls back the database and the in-memory state")
    func rollback() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        try fixture.journal.connection.execute("""
            CREATE TRIGGER boom BEFORE INSERT ON executions WHEN NEW.event_id = 'boom'
            BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END;
            """)
        let executionsBefore = try fixture.allExecutions()
        let countsBefore = try fixture.journal.counts()
        let kept = fixture.failure("e2")
        do {
            try fixture.commit([
                .record(kept), .record(fixture.success("e1")), .setPaused(service: "orders", paused: true),
                .record(fixture.failure("boom")),
            ])
            Issue.record("expected the batch to fail")
        } catch let error as JournalError {
            #expect(error.message.contains("simulated disk failure"))
        }
        #expect(fixture.journal.connection.isInTransaction == false)
        #expect(try fixture.allExecutions() == executionsBefore)
        #expect(try fixture.journal.counts() == countsBefore)
        #expect(fixture.journal.pausedServices().isEmpty)
        #expect(try fixture.journal.history(of: id).count == 1)

        // The same records go through afterwards, with the seqs the failed batch would have used.
        try fixture.journal.connection.execute("DROP TRIGGER boom")
        let results = try fixture.records([kept, fixture.success("e1")])
        #expect(results == [.accepted(id + 1), .accepted(id)])
        try fixture.reopen()
        #expect(try fixture.journal.execution(id)?.status == .succeeded)
        #expect(try fixture.journal.execution(id + 1)?.status == .failed)
        let left = try fixture.allExecutions()
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == left)
    }
}
