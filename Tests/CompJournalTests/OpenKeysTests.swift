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

    @Test("a copy of the map is a value: changing one leaves the other as it was")
    func valueSemantics() {
        var original = OpenKeys()
        for id in 1...100 { original.insert(hash: UInt32(id * 7_919), id: ExecutionID(id)) }
        original.commit()
        let before = original.contents
        var copy = original
        for id in 1...50 { copy.remove(hash: UInt32(id * 7_919), id: ExecutionID(id)) }
        for id in 101...400 { copy.insert(hash: UInt32(id * 7_919), id: ExecutionID(id)) }
        #expect(original.contents == before)
        #expect(original.count == 100)
        #expect(copy.count == 350)
        #expect(copy.firstCandidate(UInt32(7_919)) == nil)
        #expect(original.firstCandidate(UInt32(7_919)) == 1)
        original.remove(hash: UInt32(400 * 7_919), id: 400)  // only the copy has it
        #expect(copy.firstCandidate(UInt32(400 * 7_919)) == 400)
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

    @Test("the slot tables agree with a plain multimap through random inserts, removals, commits and rollbacks, colliding hashes and overflow ids included")
    func randomAgainstModel() {
        var keys = OpenKeys()
        var model: [UInt32: [ExecutionID]] = [:]
        var committed = model
        var generator = SplitMix64(seed: 42)
        var nextID: ExecutionID = 1
        // 600 hashes in two tables: long runs that wrap around, and remainders shared by both tables.
        let hashes: [UInt32] = (0..<600).map { UInt32($0 % 2) << OpenKeys.remainderBits | UInt32($0 / 2 * 7919 % 1_048_576) }
        func check() {
            #expect(keys.contents == model.mapValues { $0.sorted() })
            #expect(keys.count == model.values.reduce(0) { $0 + $1.count })
            for hash in hashes.prefix(50) {
                let found = keys.firstCandidate(hash).map { [$0] + keys.otherCandidates(hash) } ?? []
                #expect(found.sorted() == (model[hash] ?? []).sorted())
            }
        }
        for step in 1...30_000 {
            let roll = generator.next() % 100
            if roll < 55 || model.isEmpty {
                let hash = hashes[Int(generator.next() % UInt64(hashes.count))]
                let id = generator.next() % 40 == 0 ? OpenKeys.firstOverflowID + nextID : nextID
                nextID += 1
                keys.insert(hash: hash, id: id)
                model[hash, default: []].append(id)
            } else if roll < 97 {
                let hash = model.keys.sorted()[Int(generator.next() % UInt64(model.count))]
                var ids = model[hash]!
                let id = ids.remove(at: Int(generator.next() % UInt64(ids.count)))
                model[hash] = ids.isEmpty ? nil : ids
                keys.remove(hash: hash, id: id)
                keys.remove(hash: hash, id: id)  // gone already: no change
            } else if roll < 99 {
                keys.commit()
                committed = model
            } else {
                keys.rollback(to: 0)
                model = committed
            }
            if step % 2_000 == 0 { check() }
        }
        check()
        // Grown to thousands and emptied again: the tables give their memory back.
        let peak = keys.capacity
        for (hash, ids) in model { for id in ids { keys.remove(hash: hash, id: id) } }
        model = [:]
        check()
        #expect(keys.capacity < peak / 4)
    }

    @Test("a reserved map holds a load with little growth, and grows by half when a table fills")
    func reserveAndGrowth() {
        var keys = OpenKeys()
        keys.reserve(200_000)
        let reserved = keys.capacity
        var generator = SplitMix64(seed: 7)
        for id in 1...200_000 { keys.load(Int64(bitPattern: generator.next()), id: ExecutionID(id)) }
        #expect(keys.capacity < reserved + reserved / 50)  // at most a few tables grew
        #expect(keys.count == 200_000)
        // 11 to 16 bytes an entry (8-byte slots, half to three quarters full).
        #expect(keys.capacity * 8 <= 200_000 * 16 + 8 * 4096)
        for id in 200_001...600_000 { keys.load(Int64(bitPattern: generator.next()), id: ExecutionID(id)) }
        #expect(keys.capacity > reserved && keys.capacity * 8 <= 600_000 * 16 + 8 * 4096)
    }

    @Test("touching a hash reads its home slot: nothing in an empty map, something once a key is there, and no change to the map")
    func touchReadsWithoutChanging() {
        var keys = OpenKeys()
        let key = ExecutionKey(service: "orders", processor: "p", function: "ship", eventId: "e1")
        let hash = OpenKeys.fold(key)
        #expect(keys.touch(hash) == 0)
        keys.insert(key, id: 7)
        keys.commit()
        let before = keys.contents
        #expect(keys.touch(hash) != 0)
        #expect(keys.contents == before)
        #expect(keys.firstCandidate(hash) == 7)
    }
}
