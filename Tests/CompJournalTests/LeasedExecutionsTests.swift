import CompModel
import Testing

@testable import CompJournal

/// The leased executions the writer keeps in memory must always be the rows as stored.
struct LeasedExecutionsTests {
    /// Every kept execution equals its row read back, and every kept one is leased.
    private func expectExact(_ fixture: TestJournal, _ note: Comment) throws {
        for execution in try fixture.allExecutions() {
            guard let kept = fixture.journal.store.leased.execution(execution.id) else { continue }
            #expect(kept == execution, note)
            #expect(kept.status == .prepared, note)
        }
    }

    @Test("a leased execution is kept as its row reads back, through extension, result, expiry and return")
    func keptExactly() throws {
        let fixture = try TestJournal()
        var ids: [ExecutionID] = []
        for index in 0..<6 {
            ids.append(try fixture.create(fixture.failure(
                "e\(index)", code: "CODE_\(index)", recoverable: index % 2 == 0 ? .recoverable : .unknown,
                correlation: index % 3 == 0 ? "" : "order-\(index)")))
        }
        fixture.advance(seconds: 10)
        let leased = try fixture.lease(limit: 10)
        #expect(leased.map(\.id) == ids)
        #expect(fixture.journal.store.leased.count == ids.count)
        try expectExact(fixture, "after the lease")
        for execution in leased { #expect(fixture.journal.store.leased.execution(execution.id) == execution) }

        // An extension changes the kept execution with the row.
        let token = try #require(leased[0].lease?.token)
        fixture.advance(seconds: 1)
        guard case .extended(.success)? = try fixture.commit([.extendLease(ids[0], token: token, by: .seconds(60))])
            .results.first
        else {
            Issue.record("the extension was not applied")
            return
        }
        try expectExact(fixture, "after an extension")
        #expect(fixture.journal.store.leased.execution(ids[0])?.lease?.until == fixture.now.adding(.seconds(60)))

        // A success and a failure result apply with the current token and leave nothing kept for those ids.
        let results = try fixture.records([
            fixture.success("e0", lease: (ids[0], token)),
            fixture.failure("e1", lease: (ids[1], try #require(leased[1].lease?.token))),
        ])
        #expect(results == [.accepted(ids[0]), .accepted(ids[1])])
        #expect(try fixture.execution(ids[0]).status == .succeeded)
        #expect(try fixture.execution(ids[1]).status == .failed)
        #expect(fixture.journal.store.leased.execution(ids[0]) == nil)
        #expect(fixture.journal.store.leased.execution(ids[1]) == nil)
        // A stale token is still refused (the kept execution carries the current one).
        #expect(try fixture.records([fixture.success("e2", lease: (ids[2], token))]) == [.stale(ids[2])])
        try expectExact(fixture, "after results")

        // A returned lease and an expired one leave nothing kept either.
        guard case .returned? = try fixture.commit([.returnLease(ids[2], token: try #require(leased[2].lease?.token))])
            .results.first
        else {
            Issue.record("the return was not applied")
            return
        }
        #expect(fixture.journal.store.leased.execution(ids[2]) == nil)
        fixture.advance(seconds: 30)
        guard case .expired(let expired)? = try fixture.commit([.expireLeases(limit: 10)]).results.first else {
            Issue.record("expected expiries")
            return
        }
        #expect(Set(expired.map(\.id)) == Set(ids[3...]))
        #expect(fixture.journal.store.leased.count == 0)
        try expectExact(fixture, "after expiry")
    }

    @Test("a commit that fails forgets the kept executions; results after it apply as stored")
    func failedCommit() throws {
        let fixture = try TestJournal()
        let ids = try (0..<3).map { try fixture.create(fixture.failure("e\($0)")) }
        fixture.advance(seconds: 10)
        let leased = try fixture.lease(limit: 10)
        try fixture.failCommits(whenEventId: "late")
        let token = try #require(leased[0].lease?.token)
        // The extension is rolled back with the transaction: what was kept for it must not survive.
        #expect(throws: JournalError.self) {
            try fixture.journal.commit(
                [[.extendLease(ids[0], token: token, by: .seconds(600))], [.record(fixture.failure("late"))]],
                now: fixture.now)
        }
        #expect(fixture.journal.store.leased.count == 0)
        try expectExact(fixture, "after the failed commit")
        try fixture.journal.connection.execute("DROP TRIGGER late")
        #expect(try fixture.execution(ids[0]).lease?.until == leased[0].lease?.until)
        #expect(try fixture.records([fixture.success("e0", lease: (ids[0], token))]) == [.accepted(ids[0])])
        #expect(try fixture.execution(ids[0]).status == .succeeded)
    }

    @Test("past its capacity new leases are not kept, and their results still apply")
    func capacity() throws {
        let fixture = try TestJournal()
        let total = LeasedExecutions.capacity + 10
        let created = try fixture.records((0..<total).map { fixture.failure("e\($0)") })
        #expect(created.count == total)
        fixture.advance(seconds: 10)
        let leased = try fixture.lease(limit: total)
        #expect(leased.count == total)
        #expect(fixture.journal.store.leased.count == LeasedExecutions.capacity)
        let last = try #require(leased.last)
        #expect(fixture.journal.store.leased.execution(last.id) == nil)
        let results = try fixture.records(leased.map { fixture.success($0.key.eventId, lease: ($0.id, $0.lease!.token)) })
        #expect(results == leased.map { .accepted($0.id) })
        #expect(fixture.journal.store.leased.count == 0)
        #expect(try fixture.journal.counts() == [StatusCount(status: .succeeded, parkReason: nil, count: total)])
    }

    @Test("a rebuilt projection matches with leases kept, and keeps nothing stale")
    func rebuild() throws {
        let fixture = try TestJournal()
        let ids = try (0..<4).map { try fixture.create(fixture.failure("e\($0)")) }
        fixture.advance(seconds: 10)
        let leased = try fixture.lease(limit: 2)
        #expect(leased.map(\.id) == Array(ids[0..<2]))
        let before = try fixture.allExecutions()
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == before)
        try expectExact(fixture, "after the rebuild")
        let token = try #require(leased[1].lease?.token)
        #expect(try fixture.records([fixture.failure("e1", lease: (ids[1], token))]) == [.accepted(ids[1])])
    }
}
