import CompModel
import Testing

@testable import CompJournal

struct DispatchTests {
    @Test("leaseDue leases only due executions of that service, earliest due first, up to the limit")
    func leaseDue() throws {
        let fixture = try TestJournal()
        let first = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 1)
        let second = try fixture.create(fixture.failure("e2"))
        fixture.advance(seconds: 1)
        let third = try fixture.create(fixture.failure("e3"))
        let otherService = try fixture.create(fixture.failure("e4", service: "billing"))
        #expect(try fixture.lease().isEmpty)  // nothing due yet

        fixture.advance(seconds: 9)  // first and second are due, third 1 s later
        let leased = try fixture.lease(limit: 1)
        #expect(leased.map(\.id) == [first])
        let lease = try #require(leased.first?.lease)
        #expect(leased.first?.status == .prepared)
        #expect(leased.first?.retries == 1)
        #expect(lease.holder == "node-1")
        #expect(lease.until == fixture.now.adding(.seconds(30)))
        // The fencing token is the seq of the leased row.
        let history = try fixture.journal.history(of: first)
        #expect(history.last?.kind == "leased")
        #expect(history.last.map { UInt64($0.seq) } == lease.token)
        #expect(history.last?.summary.hasPrefix("leased to node-1 until ") == true)

        #expect(try fixture.lease().map(\.id) == [second])
        fixture.advance(seconds: 1)
        #expect(try fixture.lease().map(\.id) == [third])
        #expect(try fixture.execution(otherService).status == .failed)
    }

    @Test("a paused service gets no leases until resumed")
    func paused() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        try fixture.commit([.setPaused(service: "orders", paused: true)])
        fixture.advance(seconds: 60)
        #expect(try fixture.lease().isEmpty)
        #expect(fixture.journal.pausedServices() == ["orders"])
        #expect(try fixture.journal.dueServices(now: fixture.now).isEmpty)
        #expect(try fixture.journal.earliestDue() == nil)
        #expect(try fixture.journal.earliestDue(service: "orders") != nil)
        try fixture.commit([.setPaused(service: "orders", paused: false)])
        #expect(try fixture.lease().map(\.id) == [id])
    }

    @Test("an expired lease counts as a failed attempt and is rescheduled, then parked when exhausted")
    func expiry() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        var delay: Int64 = 10
        for attempt in 1...3 {
            fixture.advance(seconds: delay)
            #expect(try fixture.lease().map(\.id) == [id])
            fixture.advance(seconds: 29)
            guard case .expired(let none)? = try fixture.commit([.expireLeases(limit: 10)]).results.first else {
                Issue.record("expected expired")
                return
            }
            #expect(none.isEmpty)  // not yet
            #expect(try fixture.journal.earliestLeaseExpiry() == fixture.now.adding(.seconds(1)))
            fixture.advance(seconds: 1)
            guard case .expired(let expired)? = try fixture.commit([.expireLeases(limit: 10)]).results.first else {
                Issue.record("expected expired")
                return
            }
            #expect(expired.map(\.id) == [id])
            #expect(expired.first?.lastError.code == leaseTimeoutErrorCode)
            if attempt < 3 {
                delay *= 2
                #expect(expired.first?.status == .failed)
                #expect(expired.first?.nextRetryAt == fixture.now.adding(.seconds(delay)))
            } else {
                #expect(expired.first?.status == .parked)
                #expect(expired.first?.parkReason == .exhausted)
            }
        }
        #expect(try fixture.journal.history(of: id).filter { $0.kind == "timeout" }.count == 3)
    }

    @Test("extendLease moves the deadline for the current token only")
    func extend() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 10)
        let lease = try #require(try fixture.lease().first?.lease)
        fixture.advance(seconds: 20)
        let results = try fixture.commit([
            .extendLease(id, token: lease.token, by: .seconds(60)),
            .extendLease(id, token: lease.token + 100, by: .seconds(60)),
            .extendLease(424_242, token: lease.token, by: .seconds(60)),
        ]).results
        guard case .extended(let ok) = results[0], case .extended(let stale) = results[1],
            case .extended(let unknown) = results[2]
        else {
            Issue.record("expected extended results")
            return
        }
        #expect(ok == .success(fixture.now.adding(.seconds(60))))
        #expect(stale == .failure(.model(.stale)))
        #expect(unknown == .failure(.unknownExecution))
        #expect(try fixture.execution(id).lease?.until == fixture.now.adding(.seconds(60)))
        #expect(try fixture.journal.history(of: id).map(\.kind) == ["failure", "leased", "extended"])
    }

    @Test("a result with the token of an earlier lease is stale: journaled, state unchanged")
    func fencing() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 10)
        let oldToken = try #require(try fixture.lease().first?.lease?.token)
        fixture.advance(seconds: 30)
        try fixture.commit([.expireLeases(limit: 10)])
        fixture.advance(seconds: 20)
        let newToken = try #require(try fixture.lease().first?.lease?.token)
        #expect(newToken > oldToken)
        let before = try fixture.execution(id)

        let late = fixture.success("e1", lease: (id, oldToken))
        let lateFailure = fixture.failure("e1", lease: (id, oldToken))
        #expect(try fixture.records([late, lateFailure]) == [.stale(id), .stale(id)])
        #expect(try fixture.execution(id) == before)
        let history = try fixture.journal.history(of: id)
        #expect(history.suffix(2).map(\.kind) == ["stale", "stale"])
        #expect(history.suffix(2).map(\.recordId) == [late.id, lateFailure.id])
        // The stale record is deduped like any other.
        #expect(try fixture.records([late]) == [.duplicate(id)])

        // The current token applies.
        #expect(try fixture.records([fixture.success("e1", lease: (id, newToken))]) == [.accepted(id)])
        #expect(try fixture.execution(id).status == .succeeded)
        // A result after success is stale (the model's duplicate), also journaled.
        #expect(try fixture.records([fixture.success("e1", lease: (id, newToken))]) == [.stale(id)])
    }

    @Test("a failure result reschedules with backoff; an unrecoverable one parks")
    func failureResult() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.failure("e1"))
        fixture.advance(seconds: 10)
        var token = try #require(try fixture.lease().first?.lease?.token)
        #expect(try fixture.records([fixture.failure("e1", lease: (id, token))]) == [.accepted(id)])
        var execution = try fixture.execution(id)
        #expect(execution.status == .failed)
        #expect(execution.nextRetryAt == fixture.now.adding(.seconds(20)))
        fixture.advance(seconds: 20)
        token = try #require(try fixture.lease().first?.lease?.token)
        #expect(try fixture.records([fixture.failure("e1", recoverable: .unrecoverable, lease: (id, token))])
            == [.accepted(id)])
        execution = try fixture.execution(id)
        #expect(execution.status == .parked)
        #expect(execution.parkReason == .unrecoverable)
    }
}
