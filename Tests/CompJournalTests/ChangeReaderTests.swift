import CompModel
import Testing

@testable import CompJournal

struct ChangeReaderTests {
    /// Every change a reader returns, read in pages of `page` rows from `after`.
    private func readAll(_ reader: ChangeReader, after: Int64 = 0, page: Int) throws -> (changes: [JournalChange], pruned: Int64, last: Int64) {
        var changes: [JournalChange] = []
        var pruned: Int64 = 0
        var seq = after
        while true {
            let batch = try reader.changes(after: seq, limit: page)
            #expect(batch.lastSeq >= seq)
            changes += batch.changes
            pruned += batch.prunedRows
            if batch.lastSeq == seq { return (changes, pruned, seq) }
            seq = batch.lastSeq
        }
    }

    private func withoutPayload(_ execution: Execution) -> Execution {
        var copy = execution
        copy.payload = []
        return copy
    }

    @Test("replaying the journal row by row gives each execution's latest state, and each change starts where the last ended")
    func replayMatchesProjection() throws {
        let fixture = try TestJournal()
        try RebuildTests().runWorkload(fixture, seed: 11, steps: 300)
        let reader = try ChangeReader(path: fixture.path)
        defer { reader.close() }
        let (changes, pruned, last) = try readAll(reader, page: 37)
        #expect(pruned == 0)
        #expect(last == (try reader.headSeq()))
        #expect(changes.map(\.seq) == changes.map(\.seq).sorted())

        var latest: [ExecutionID: Execution] = [:]
        var services = 0
        for change in changes {
            #expect(change.kind != "stale")
            switch change.subject {
            case .service(let name, _):
                services += 1
                #expect(["orders", "billing", "mail"].contains(name))
                #expect(change.actor == "compctl:test")
            case .execution(let previous, let current):
                #expect(previous == latest[current.id])
                if previous == nil { #expect(current.id == change.seq) }
                #expect(current.payload.isEmpty)
                latest[current.id] = current
            }
        }
        #expect(services > 0)
        let stored = try fixture.allExecutions()
        #expect(stored.count == latest.count)
        for execution in stored { #expect(latest[execution.id] == withoutPayload(execution)) }
    }

    @Test("a full cache evicts the state it cached first: after 400 executions through a cache of 50, the 50 newest are cached")
    func evictsOldestFirst() throws {
        let fixture = try TestJournal()
        var ids: [ExecutionID] = []
        for index in 0..<400 { ids.append(try fixture.create(fixture.failure("e\(index)"))) }
        let reader = try ChangeReader(path: fixture.path, cacheLimit: 50)
        defer { reader.close() }
        _ = try readAll(reader, page: 64)
        #expect(reader.cachedIds == Set(ids.suffix(50)))
        // A later row of a cached execution updates it in place: it keeps its turn, nothing else goes.
        let newest = try #require(ids.last)
        _ = try fixture.records([fixture.failure("e399")])
        _ = try readAll(reader, after: newest, page: 64)
        #expect(reader.cachedIds == Set(ids.suffix(50)))
    }

    @Test("a reader that caches almost nothing replays from each execution's own rows and returns the same changes")
    func smallCacheSameChanges() throws {
        let fixture = try TestJournal()
        try RebuildTests().runWorkload(fixture, seed: 5, steps: 200)
        let wide = try ChangeReader(path: fixture.path)
        let narrow = try ChangeReader(path: fixture.path, cacheLimit: 1)
        defer { wide.close(); narrow.close() }
        let expected = try readAll(wide, page: 1000).changes
        #expect(try readAll(narrow, page: 3).changes == expected)
        // And from the middle, with nothing cached: the same tail.
        let middle = expected[expected.count / 2].seq
        let fresh = try ChangeReader(path: fixture.path)
        defer { fresh.close() }
        #expect(try readAll(fresh, after: middle, page: 50).changes == expected.filter { $0.seq > middle })
    }

    @Test("operator actions carry their actor; a stale result is left out but its seq is covered")
    func actorsAndStale() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 60)
        let leased = try fixture.lease()
        let token = try #require(leased.first?.lease?.token)
        _ = try fixture.records([fixture.success("e1", lease: (id, token &- 1))])  // stale
        _ = try fixture.commit([.operate(id, .discard, actor: "http:ops")])
        _ = try fixture.commit([.setPaused(service: "orders", paused: true, actor: "compctl:amy")])
        let reader = try ChangeReader(path: fixture.path)
        defer { reader.close() }
        let batch = try reader.changes(after: 0, limit: 100)
        #expect(batch.changes.map(\.kind) == ["failure", "leased", "discard", "paused"])
        #expect(batch.changes.map(\.actor) == [nil, nil, "http:ops", "compctl:amy"])
        #expect(batch.lastSeq == 5)
        #expect(batch.prunedRows == 0)
        guard case .execution(let previous?, let current) = batch.changes[2].subject else {
            Issue.record("not an execution change: \(batch.changes[2])")
            return
        }
        #expect(previous.status == .prepared)
        #expect(current.status == .discarded)
        #expect(batch.changes[3].subject == .service(name: "orders", paused: true))
        // Nothing after the head: the same seq back, nothing pruned.
        let empty = try reader.changes(after: 5, limit: 100)
        #expect(empty == ChangeBatch(changes: [], lastSeq: 5, prunedRows: 0))
    }

    @Test("rows pruned before they were read are counted, and the read goes on past them")
    func prunedRowsCounted() throws {
        let fixture = try TestJournal(retention: .seconds(24 * 3600))
        var ids: [ExecutionID] = []
        for index in 0..<5 { ids.append(try fixture.create(fixture.failure("old\(index)"))) }
        for index in 0..<5 { _ = try fixture.records([fixture.success("old\(index)")]) }
        let rowsBefore = try ChangeReader(path: fixture.path).headSeq()
        #expect(rowsBefore == 10)
        fixture.advance(seconds: 24 * 3600 + 60)
        let kept = try fixture.create(fixture.failure("new"))
        #expect(try fixture.journal.prune(now: fixture.now, batchSize: 100) == 5)
        let reader = try ChangeReader(path: fixture.path)
        defer { reader.close() }
        let batch = try reader.changes(after: 0, limit: 100)
        #expect(batch.prunedRows == 10)
        #expect(batch.lastSeq == kept)
        #expect(batch.changes.map(\.seq) == [kept])
    }
}
