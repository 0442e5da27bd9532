import CompModel
import Testing

@testable import CompJournal

struct RetentionTests {
    @Test("prune deletes old finished executions and their rows in batches and keeps the rest")
    func pruneInBatches() throws {
        let fixture = try TestJournal(retention: .seconds(24 * 3600))
        var old: [ExecutionID] = []
        for index in 0..<5 {
            old.append(try fixture.create(fixture.failure("old\(index)")))
        }
        _ = try fixture.records((0..<4).map { fixture.success("old\($0)") })  // old0..3 succeed
        let oldOpen = old[4]
        let discarded = try fixture.create(fixture.failure("gone"))
        _ = try fixture.operate(discarded, .discard)
        fixture.advance(seconds: 3600)
        let recent = try fixture.create(fixture.failure("recent"))
        _ = try fixture.records([fixture.success("recent")])
        let dedupeRecord = fixture.failure("later")
        let later = try fixture.create(dedupeRecord)

        fixture.advance(seconds: 24 * 3600 - 1)  // the old ones are now older than the retention; recent is not
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 2) == 2)
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 2) == 2)
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 2) == 1)
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 2) == 0)
        for id in old.prefix(4) + [discarded] {
            #expect(try fixture.journal.execution(id) == nil)
            #expect(try fixture.journal.history(of: id).isEmpty)
        }
        for id in [oldOpen, recent, later] { #expect(try fixture.journal.execution(id) != nil) }
        #expect(try fixture.journal.history(of: recent).count == 2)
        #expect(Set(try fixture.journal.counts()) == [
            StatusCount(status: .failed, parkReason: nil, count: 2),
            StatusCount(status: .succeeded, parkReason: nil, count: 1),
        ])
        #expect(try fixture.records([dedupeRecord]) == [.duplicate(later)])

        fixture.advance(seconds: 3600)
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 10) == 1)
        #expect(try fixture.journal.execution(recent) == nil)
        // What is left still rebuilds to the same projection.
        let left = try fixture.allExecutions()
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == left)
    }

    @Test("sequence numbers are never reused after the newest rows are pruned")
    func seqNotReused() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        _ = try fixture.records([fixture.success("e1")])
        fixture.advance(seconds: 8 * 24 * 3600)
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 10) == 1)
        try fixture.reopen()
        let next = try fixture.create(fixture.failure("e2"))
        #expect(next == id + 2)
    }
}

struct PruneBudgetTests {
    /// `count` executions that succeed at once, then a clock past their retention.
    private func finished(_ count: Int) throws -> TestJournal {
        let fixture = try TestJournal(retention: .seconds(24 * 3600))
        for start in stride(from: 0, to: count, by: 200) {
            let events = (start..<min(count, start + 200)).map { "e\($0)" }
            _ = try fixture.records(events.map { fixture.failure($0) })
            _ = try fixture.records(events.map { fixture.success($0) })
        }
        fixture.advance(seconds: 24 * 3600 + 1)
        return fixture
    }

    @Test("prune with a time budget runs transaction after transaction until nothing is left")
    func loopsUntilDone() throws {
        let count = Journal.pruneBatchSize * 2 + 50
        let fixture = try finished(count)
        #expect(try fixture.journal.prune(now: fixture.now, budget: .seconds(600)) == count)
        #expect(try fixture.journal.counts().isEmpty)
        #expect(try fixture.journal.connection.scalarInt("SELECT count(*) FROM journal") == 0)
        #expect(try fixture.journal.prune(now: fixture.now, budget: .seconds(600)) == 0)
    }

    @Test("a spent budget stops after one transaction, and the next call goes on")
    func stopsWhenSpent() throws {
        let count = Journal.pruneBatchSize + 10
        let fixture = try finished(count)
        #expect(try fixture.journal.prune(now: fixture.now, budget: .zero) == Journal.pruneBatchSize)
        #expect(try fixture.journal.prune(now: fixture.now, budget: .zero) == 10)
        #expect(try fixture.journal.counts().isEmpty)
    }
}
