import CompModel
import Testing

@testable import CompJournal

extension SagaJournalTests {
    /// Every saga, newest updated first, with its steps and history.
    func allSagas(_ fixture: TestJournal) throws -> [SagaDetail] {
        try fixture.journal.sagas(status: nil, limit: 100, before: nil).sagas.map { summary in
            try #require(try fixture.journal.saga(id: summary.id))
        }
    }

    @Test("prune deletes finished sagas past retention with their own rows once their executions are gone; the rest rebuilds")
    func pruneFinishedSagas() throws {
        let fixture = try TestJournal(retention: .seconds(24 * 3600))
        // Completed with no execution at all (two successes).
        _ = try fixture.records([
            stepRecord(fixture, .success, saga: "done-1", step: 0, service: "order"),
            stepRecord(fixture, .success, saga: "done-1", step: 1, service: "exchange", last: true),
        ])
        // Compensated: step 1 fails unrecoverably, step 0's compensation runs and succeeds.
        _ = try fixture.records([stepRecord(fixture, .success, saga: "order-7", step: 0, service: "order", payload: "p0")])
        _ = try fixture.records([
            stepRecord(fixture, .failure, saga: "order-7", step: 1, service: "exchange", last: true, recoverable: .unrecoverable),
        ])
        let undo = try #require(try compensations(fixture, "order-7")[0])
        let token = try #require(try fixture.lease(service: "order").first?.lease?.token)
        _ = try fixture.records([fixture.success("evt-0", service: "order", function: "undo", lease: (undo, token))])
        #expect(try status(fixture, "order-7") == .compensated)
        // Still running, with an open forward.
        _ = try fixture.records([stepRecord(fixture, .failure, saga: "running-1", step: 0, service: "point")])
        fixture.advance(seconds: 24 * 3600 + 1)
        // Completed, but within the retention.
        _ = try fixture.records([stepRecord(fixture, .success, saga: "recent", step: 0, service: "order", last: true)])
        #expect(try status(fixture, "recent") == .completed)
        let recentHistory = try #require(try fixture.journal.saga(id: "recent")).history

        // order-7's two executions (the discarded forward, the compensation) and the two old finished sagas.
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 100) == 4)
        #expect(try fixture.journal.saga(id: "done-1") == nil)
        #expect(try fixture.journal.saga(id: "order-7") == nil)
        #expect(try status(fixture, "running-1") == .running)
        #expect(try fixture.journal.saga(id: "recent")?.history == recentHistory)
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 100) == 0)
        // No row names a saga that is gone: the saga tables hold only the two left, and every journal row
        // with no execution belongs to one of them.
        let connection = fixture.journal.connection
        #expect(try connection.scalarInt("SELECT count(DISTINCT saga_id) FROM saga_steps") == 2)
        #expect(try connection.scalarInt("SELECT count(DISTINCT saga_id) FROM saga_journal") == 2)
        #expect(try connection.scalarInt("""
            SELECT count(*) FROM journal WHERE execution_id = 0 AND seq NOT IN (SELECT seq FROM saga_journal)
            """) == 0)

        let sagas = try allSagas(fixture)
        let executions = try fixture.allExecutions()
        try fixture.journal.rebuildProjection()
        #expect(try allSagas(fixture) == sagas)
        #expect(try fixture.allExecutions() == executions)
    }
}

struct SagaCursorTests {
    @Test("a saga cursor splits at its first colon even when a combining mark follows it (schemathesis found it refused)")
    func combiningMarkAfterColon() throws {
        let decoded = try #require(SagaCursor.decode("5:\u{301}x"))
        #expect(decoded.updatedAt == 5 && decoded.id == "\u{301}x")
        #expect(SagaCursor.decode(SagaCursor.encode(updatedAt: -7, id: "order:7")).map { "\($0.updatedAt) \($0.id)" } == "-7 order:7")
        #expect(SagaCursor.decode("x:1") == nil && SagaCursor.decode("12") == nil)
    }
}
