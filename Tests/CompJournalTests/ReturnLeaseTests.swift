import CompModel
import Testing

@testable import CompJournal

struct ReturnLeaseTests {
    private func returnLease(_ fixture: TestJournal, _ id: ExecutionID, token: UInt64) throws -> Result<Void, JournalRejection> {
        guard case .returned(let result)? = try fixture.commit([.returnLease(id, token: token)]).results.first else {
            return .failure(.unknownExecution)
        }
        return result
    }

    @Test("a returned lease is due again at once without costing an attempt, at most maxReturns times in a row")
    func bounded() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 10)
        for round in 1...Execution.maxReturns {
            let lease = try #require(try fixture.lease().first?.lease)
            #expect(try fixture.execution(id).retries == 1)
            #expect(throws: Never.self) { try returnLease(fixture, id, token: lease.token).get() }
            let back = try fixture.execution(id)
            #expect(back.status == .failed)
            #expect(back.nextRetryAt == fixture.now)
            #expect(back.retries == 0)
            #expect(back.returns == round)
            #expect(back.lease == nil)
            #expect(back.lastError.code == "DB_DOWN")
        }
        // The next return counts as a failed attempt and backs off.
        let lease = try #require(try fixture.lease().first?.lease)
        try returnLease(fixture, id, token: lease.token).get()
        let counted = try fixture.execution(id)
        #expect(counted.status == .failed)
        #expect(counted.retries == 1)
        #expect(counted.returns == 0)
        #expect(counted.lastError.code == leaseUndeliveredErrorCode)
        #expect(counted.nextRetryAt == fixture.now.adding(.seconds(20)))
        let kinds = try fixture.journal.history(of: id).map(\.kind)
        #expect(kinds == ["failure"] + Array(repeating: ["leased", "returned"], count: 4).flatMap { $0 })
        #expect(try fixture.journal.history(of: id).last?.summary.contains("counted as a failed attempt") == true)

        // Survives a reopen and a rebuild exactly.
        try fixture.reopen()
        #expect(try fixture.execution(id) == counted)
        try fixture.journal.rebuildProjection()
        #expect(try fixture.execution(id) == counted)
    }

    @Test("a delivered attempt (an extension or a result with the current token) resets the return count")
    func deliveredResets() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 10)
        var lease = try #require(try fixture.lease().first?.lease)
        try returnLease(fixture, id, token: lease.token).get()
        lease = try #require(try fixture.lease().first?.lease)
        try returnLease(fixture, id, token: lease.token).get()
        #expect(try fixture.execution(id).returns == 2)
        try fixture.reopen()
        #expect(try fixture.execution(id).returns == 2)  // persisted

        lease = try #require(try fixture.lease().first?.lease)
        _ = try fixture.commit([.extendLease(id, token: lease.token, by: .seconds(10))])
        #expect(try fixture.execution(id).returns == 0)
        try returnLease(fixture, id, token: lease.token).get()
        #expect(try fixture.execution(id).returns == 1)

        lease = try #require(try fixture.lease().first?.lease)
        _ = try fixture.records([fixture.failure("e1", lease: (id, lease.token))])
        #expect(try fixture.execution(id).returns == 0)
    }

    @Test("a return with a token that is not current, or for an unknown execution, changes nothing")
    func stale() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 10)
        let lease = try #require(try fixture.lease().first?.lease)
        let before = try fixture.execution(id)
        let rowsBefore = try fixture.journal.history(of: id).count
        #expect(throws: JournalRejection.model(.stale)) { try returnLease(fixture, id, token: lease.token + 1).get() }
        #expect(throws: JournalRejection.unknownExecution) { try returnLease(fixture, 999, token: lease.token).get() }
        #expect(try fixture.execution(id) == before)
        #expect(try fixture.journal.history(of: id).count == rowsBefore)
        // After a result the lease is gone: returning it again is stale too.
        _ = try fixture.records([fixture.success("e1", lease: (id, lease.token))])
        #expect(throws: JournalRejection.model(.stale)) { try returnLease(fixture, id, token: lease.token).get() }
    }
}
