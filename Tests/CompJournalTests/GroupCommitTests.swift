import CompModel
import Testing

@testable import CompJournal

struct GroupCommitTests {
    /// A trigger that makes any new execution with event id `poison` fail, as a full disk would.
    private func installPoison(_ fixture: TestJournal) throws {
        try fixture.journal.connection.execute("""
            CREATE TEMP TRIGGER poison BEFORE INSERT ON main.executions WHEN NEW.event_id = 'poison'
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END;
            """)
    }

    @Test("a unit whose command throws is rolled back to its savepoint while the other units commit")
    func unitIsolation() throws {
        let fixture = try TestJournal()
        try installPoison(fixture)
        let existing = try fixture.create(fixture.failure("e0"))
        let countsBefore = Set(try fixture.journal.counts())
        let group = try fixture.journal.commit([
            [.record(fixture.failure("a"))],
            // Changes that must all go: a pause, a success on an open execution, then the failing record.
            [.setPaused(service: "orders", paused: true), .record(fixture.success("e0")), .record(fixture.failure("poison"))],
            [.record(fixture.failure("c"))],
        ], now: fixture.now)
        #expect(group.units.count == 3)
        guard case .applied(let first) = group.units[0], case .failed(let error) = group.units[1],
            case .applied(let third) = group.units[2]
        else {
            Issue.record("unexpected outcomes \(group.units)")
            return
        }
        #expect(error.message.contains("injected failure"))
        guard case .record(.accepted(let a))? = first.first, case .record(.accepted(let c))? = third.first else {
            Issue.record("unexpected results \(first) \(third)")
            return
        }
        // The failed unit's seqs were handed to the next unit: no gap, no reuse.
        #expect(a == existing + 1)
        #expect(c == existing + 2)
        #expect(group.changes.map(\.execution.id) == [a, c])
        #expect(fixture.journal.pausedServices().isEmpty)
        #expect(try fixture.execution(existing).status == .failed)
        #expect(try fixture.journal.history(of: existing).count == 1)
        #expect(try fixture.allExecutions().map(\.id) == [existing, a, c])
        #expect(Set(try fixture.journal.counts()) == [StatusCount(status: .failed, parkReason: nil, count: 3)])
        #expect(countsBefore == [StatusCount(status: .failed, parkReason: nil, count: 1)])

        // What committed is durable and replays.
        try fixture.reopen()
        #expect(try fixture.allExecutions().map(\.id) == [existing, a, c])
        #expect(fixture.journal.pausedServices().isEmpty)
        let before = try fixture.allExecutions()
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == before)
    }

    @Test("failure counts follow the units that commit: a unit rolled back to its savepoint takes its counts along, also when its failures share the previous unit's service and code")
    func failureCountsAcrossSavepoints() throws {
        let fixture = try TestJournal()
        try installPoison(fixture)
        let group = try fixture.journal.commit([
            [.record(fixture.failure("a1", code: "X")), .record(fixture.failure("a2", code: "X"))],
            // Counted under the same key as the unit before it, then rolled back with the poisoned record.
            [.record(fixture.failure("b1", code: "X")), .record(fixture.failure("b2", code: "Y")),
             .record(fixture.failure("b3", code: "X")), .record(fixture.failure("b4", code: "X")),
             .record(fixture.failure("poison", code: "X"))],
            [.record(fixture.failure("c1", code: "X")), .record(fixture.failure("c2", code: "Y")),
             .record(fixture.failure("c3", code: "X")), .record(fixture.failure("c4", service: "billing", code: "X"))],
        ], now: fixture.now)
        guard case .failed = group.units[1] else {
            Issue.record("unexpected outcomes \(group.units)")
            return
        }
        let overview = try fixture.journal.failureOverview(now: fixture.now)
        #expect(overview.topDay == [.init(code: "X", count: 5), .init(code: "Y", count: 1)])
        let series = Dictionary(uniqueKeysWithValues: overview.series.map { ($0.service, $0.counts.reduce(0, +)) })
        #expect(series == ["orders": 5, "billing": 1])
    }

    @Test("within a unit, a record for an execution created earlier in it finds the execution still waiting for its insert")
    func pendingExecutionsWithinAUnit() throws {
        let fixture = try TestJournal()
        let group = try fixture.journal.commit([
            [.record(fixture.failure("p1")), .record(fixture.failure("p2")), .record(fixture.failure("p3")),
             .record(fixture.failure("p4")), .record(fixture.success("p3")), .record(fixture.failure("p1")),
             .record(fixture.success("p4"))],
        ], now: fixture.now)
        guard case .applied(let results) = group.units[0] else {
            Issue.record("unexpected outcomes \(group.units)")
            return
        }
        #expect(results.count == 7)
        let byEvent = Dictionary(uniqueKeysWithValues: try fixture.allExecutions().map { ($0.key.eventId, $0) })
        #expect(byEvent.count == 4)
        #expect(byEvent["p1"]?.status == .failed)
        #expect(byEvent["p2"]?.status == .failed)
        #expect(byEvent["p3"]?.status == .succeeded)
        #expect(byEvent["p4"]?.status == .succeeded)
        #expect(try fixture.journal.history(of: byEvent["p1"]!.id).count == 2)
    }

    @Test("a failing COMMIT throws and restores the in-memory state; the next commit continues cleanly")
    func commitFailure() throws {
        let fixture = try TestJournal()
        let existing = try fixture.create(fixture.failure("e0"))
        try fixture.failCommits(whenEventId: "late")
        let late = fixture.failure("late")
        let other = fixture.failure("other")
        #expect(throws: JournalError.self) {
            try fixture.journal.commit(
                [[.record(other), .setPaused(service: "billing", paused: true)], [.record(late)]], now: fixture.now)
        }
        #expect(fixture.journal.connection.isInTransaction == false)
        #expect(fixture.journal.pausedServices().isEmpty)
        #expect(try fixture.allExecutions().map(\.id) == [existing])
        #expect(try fixture.journal.counts() == [StatusCount(status: .failed, parkReason: nil, count: 1)])

        try fixture.journal.connection.execute("DROP TRIGGER late")
        let group = try fixture.journal.commit([[.record(other)], [.record(late)]], now: fixture.now)
        guard case .applied(let results) = group.units[1], case .record(.accepted(let id))? = results.first else {
            Issue.record("unexpected outcome \(group.units)")
            return
        }
        #expect(id == existing + 2)  // the seqs of the failed commit were not lost or skipped
        #expect(try fixture.journal.counts() == [StatusCount(status: .failed, parkReason: nil, count: 3)])
    }

    @Test("an empty group commit does nothing and an empty unit is applied with no results")
    func emptyUnits() throws {
        let fixture = try TestJournal()
        #expect(try fixture.journal.commit([[JournalCommand]](), now: fixture.now).units.isEmpty)
        let group = try fixture.journal.commit([[], [.record(fixture.failure("a"))]], now: fixture.now)
        guard case .applied(let none) = group.units[0], case .applied(let one) = group.units[1] else {
            Issue.record("unexpected outcomes \(group.units)")
            return
        }
        #expect(none.isEmpty)
        #expect(one.count == 1)
    }
}

struct FullStoreTests {
    @Test("a full store (max_page_count) fails only the unit that needs space, and writing resumes when space returns")
    func fullStore() throws {
        let fixture = try TestJournal()
        let first = try fixture.create(fixture.failure("e0"))
        let pages = try #require(try fixture.journal.connection.scalarInt("PRAGMA page_count"))
        try fixture.journal.connection.execute("PRAGMA max_page_count = \(pages + 8)")
        var big = fixture.failure("big")
        big.payload = Array(repeating: 1, count: 256 * 1024)
        let group = try fixture.journal.commit([[.record(fixture.success("e0"))], [.record(big)]], now: fixture.now)
        guard case .applied = group.units[0], case .failed(let error) = group.units[1] else {
            Issue.record("unexpected outcomes \(group.units)")
            return
        }
        #expect(error.primaryCode == 13)  // SQLITE_FULL
        #expect(try fixture.execution(first).status == .succeeded)
        #expect(try fixture.allExecutions().map(\.id) == [first])

        // Space returns: the same record goes through with the next seq, nothing lost or skipped.
        try fixture.journal.connection.execute("PRAGMA max_page_count = 1073741823")
        #expect(try fixture.records([big]) == [.accepted(first + 2)])
        let left = try fixture.allExecutions()
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == left)
        #expect(Set(try fixture.journal.counts()) == [
            StatusCount(status: .succeeded, parkReason: nil, count: 1), StatusCount(status: .failed, parkReason: nil, count: 1),
        ])
    }

    @Test("a store with no space at all fails the commit after a bounded number of retries, then resumes")
    func noSpace() throws {
        let fixture = try TestJournal()
        let first = try fixture.create(fixture.failure("e0"))
        let pages = try #require(try fixture.journal.connection.scalarInt("PRAGMA page_count"))
        try fixture.journal.connection.execute("PRAGMA max_page_count = \(pages)")
        let records = (0...Journal.maxLostUnits).map { index -> IncomingRecord in
            var record = fixture.failure("big\(index)")
            record.payload = Array(repeating: 2, count: 64 * 1024)
            return record
        }
        #expect { try fixture.journal.commit(records.map { [.record($0)] }, now: fixture.now) } throws: { error in
            (error as? JournalError)?.primaryCode == 13
        }
        #expect(fixture.journal.connection.isInTransaction == false)
        #expect(try fixture.allExecutions().map(\.id) == [first])
        try fixture.journal.connection.execute("PRAGMA max_page_count = 1073741823")
        let results = try fixture.records(records)
        #expect(results == (1...records.count).map { .accepted(first + Int64($0)) })
    }
}
