import CompModel
import Testing

@testable import CompJournal

struct OpenKeysTests {
    /// The open executions of the table: their ids by the folded hash of their key, sorted.
    private func tableKeys(_ fixture: TestJournal) throws -> [UInt32: [ExecutionID]] {
        let statement = try fixture.journal.connection.prepare(
            "SELECT key_hash, id FROM executions WHERE \(Schema.isOpen) ORDER BY id")
        var result: [UInt32: [ExecutionID]] = [:]
        while try statement.step() { result[OpenKeys.fold(statement.int64(0)), default: []].append(statement.int64(1)) }
        return result
    }

    @Test("the open-key map matches the table after a random workload, a rebuild and a reopen")
    func matchesTable() throws {
        let fixture = try TestJournal()
        try RebuildTests().runWorkload(fixture, seed: 11, steps: 300)
        let expected = try tableKeys(fixture)
        #expect(!expected.isEmpty)
        #expect(fixture.journal.store.openKeys.contents == expected)

        try fixture.journal.rebuildProjection()
        #expect(fixture.journal.store.openKeys.contents == expected)

        try fixture.reopen()
        #expect(fixture.journal.store.openKeys.contents == expected)
        try RebuildTests().runWorkload(fixture, seed: 12, steps: 100)
        #expect(fixture.journal.store.openKeys.contents == (try tableKeys(fixture)))
    }

    @Test("a resent success is a duplicate after it closed its execution; a success for an unknown key is not held each time")
    func resentSuccess() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        let success = fixture.success("e1")
        #expect(try fixture.records([success]) == [.accepted(id)])
        #expect(fixture.journal.store.openKeys.mayContain(fixture.key("e1")) == false)
        #expect(try fixture.records([success]) == [.duplicate(id)])
        try fixture.reopen()
        #expect(try fixture.records([success]) == [.duplicate(id)])

        let unknown = fixture.success("never-failed")
        #expect(try fixture.records([unknown, unknown]) == [.notHeld, .notHeld])
        #expect(try fixture.records([unknown]) == [.notHeld])

        // A new failure of the closed key opens a new execution, which a later success closes.
        let again = try fixture.create(fixture.failure("e1"))
        #expect(again != id)
        #expect(try fixture.records([fixture.success("e1")]) == [.accepted(again)])
    }

    @Test("a key closed in a unit that rolls back to its savepoint stays open in the set")
    func unitRollback() throws {
        let fixture = try TestJournal()
        try fixture.journal.connection.execute("""
            CREATE TEMP TRIGGER poison BEFORE INSERT ON main.executions WHEN NEW.event_id = 'poison'
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
            """)
        let id = try fixture.create(fixture.failure("e0"))
        let group = try fixture.journal.commit(
            [[.record(fixture.success("e0")), .record(fixture.failure("poison"))]], now: fixture.now)
        guard case .failed = group.units.first else {
            Issue.record("unexpected outcome \(group.units)")
            return
        }
        #expect(fixture.journal.store.openKeys.contents == (try tableKeys(fixture)))
        #expect(try fixture.records([fixture.success("e0")]) == [.accepted(id)])
    }

    @Test("a key closed in a group commit whose COMMIT fails stays open in the set")
    func commitFailure() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e0"))
        try fixture.failCommits(whenEventId: "late")
        #expect(throws: JournalError.self) {
            try fixture.journal.commit([[.record(fixture.success("e0"))], [.record(fixture.failure("late"))]], now: fixture.now)
        }
        try fixture.journal.connection.execute("DROP TRIGGER late")
        #expect(fixture.journal.store.openKeys.contents == (try tableKeys(fixture)))
        #expect(try fixture.records([fixture.success("e0")]) == [.accepted(id)])
    }

    @Test("keys whose folded hashes collide are counted, so closing one keeps the other")
    func collisions() {
        var keys = OpenKeys()
        let a = ExecutionKey(service: "s", processor: "p", function: "f", eventId: "a")
        let hash = OpenKeys.fold(a)
        keys.load(a.stableHash, id: 7)
        keys.load(a.stableHash, id: 9)  // a second open key with the same folded hash
        keys.remove(a, id: 7)
        #expect(keys.firstCandidate(hash) == 9 && keys.otherCandidates(hash).isEmpty)
        #expect(keys.count == 1)
        keys.rollback(to: 0)
        #expect(keys.contents == [hash: [7, 9]])
        keys.remove(a, id: 9)
        #expect(keys.firstCandidate(hash) == 7)
        keys.remove(a, id: 7)
        keys.remove(a, id: 7)  // not there: no change, nothing logged
        #expect(!keys.mayContain(a) && keys.count == 0)
        keys.commit()
        keys.rollback(to: 0)
        #expect(!keys.mayContain(a))
    }

    @Test("two open executions whose keys share a folded hash are each found by their own key")
    func sharedHashLookup() throws {
        let fixture = try TestJournal()
        let a = try fixture.create(fixture.failure("a"))
        let b = try fixture.create(fixture.failure("b"))
        // Put b under a's hash too, as a folded-hash collision would: the lookup must compare keys.
        let hashA = OpenKeys.fold(fixture.key("a"))
        fixture.journal.store.openKeys.load(fixture.key("a").stableHash, id: b)
        #expect(fixture.journal.store.openKeys.otherCandidates(hashA).contains(b) || fixture.journal.store.openKeys.firstCandidate(hashA) == b)
        #expect(try fixture.journal.openExecution(key: fixture.key("a"))?.id == a)
        #expect(try fixture.journal.openExecution(key: fixture.key("b"))?.id == b)
        #expect(try fixture.journal.openExecution(key: fixture.key("a"), excluding: a) == nil)
    }
}
