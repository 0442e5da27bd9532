import CompModel
import Testing

@testable import CompJournal

/// `started` records (persist-before-call intents) in the journal: creation, results, expiry, dedupe, replay.
struct IntentJournalTests {
    @Test("a started record creates a PREPARED execution leased to intent, journaled as a started row")
    func createsLeased() throws {
        let fixture = try TestJournal()
        let record = fixture.started("e1", correlation: "order-1")
        let result = try #require(try fixture.records([record]).first)
        guard case .accepted(let id) = result else { Issue.record("not accepted: \(result)"); return }
        #expect(result.intentLeaseToken == UInt64(id))
        let execution = try fixture.execution(id)
        #expect(execution.status == .prepared)
        #expect(execution.lease == Lease(
            token: UInt64(id), holder: intentLeaseHolder, grantedAt: fixture.now, until: fixture.now.adding(.seconds(30))))
        #expect(execution.correlationId == "order-1")
        #expect(execution.payload == Array("payload-e1".utf8))
        let history = try fixture.journal.history(of: id)
        #expect(history.map(\.kind) == ["started"])
        #expect(history.first?.summary.hasPrefix("started (intent): leased to intent until ") == true)
    }

    @Test("a success with the intent's lease, or by key, closes it")
    func successCloses() throws {
        let fixture = try TestJournal()
        let withLease = try fixture.create(fixture.started("e1"))
        let byKey = try fixture.create(fixture.started("e2"))
        let results = try fixture.records([
            fixture.success("e1", lease: (withLease, UInt64(withLease))),
            fixture.success("e2"),
        ])
        #expect(results == [.accepted(withLease), .accepted(byKey)])
        #expect(try fixture.execution(withLease).status == .succeeded)
        #expect(try fixture.execution(byKey).status == .succeeded)
    }

    @Test("a resent started record is a duplicate naming the same execution (and so the same token)")
    func resendIsDuplicate() throws {
        let fixture = try TestJournal()
        let record = fixture.started("e1")
        let id = try fixture.create(record)
        let again = try fixture.records([record])
        #expect(again == [.duplicate(id)])
        #expect(again.first?.intentLeaseToken == UInt64(id))
        #expect(try fixture.journal.history(of: id).count == 1)
    }

    @Test("a started record for a key with an open execution is a key conflict and changes nothing")
    func openKeyConflicts() throws {
        let fixture = try TestJournal()
        let failed = try fixture.create(fixture.failure("e1"))
        let intent = try fixture.create(fixture.started("e2"))
        let results = try fixture.records([fixture.started("e1"), fixture.started("e2")])
        #expect(results == [.rejected(.keyConflict), .rejected(.keyConflict)])
        #expect(try fixture.execution(failed).status == .failed)
        #expect(try fixture.execution(intent).status == .prepared)
        // Once the key's execution is closed, a new intent for it creates a new execution.
        _ = try fixture.records([fixture.success("e1")])
        let next = try fixture.create(fixture.started("e1"))
        #expect(next != failed)
    }

    @Test("no result by the timeout: the lease expires (TIMEOUT) and the retry is leased to a subscriber")
    func expiresAndRetries() throws {
        let fixture = try TestJournal()
        let id = try fixture.create(fixture.started("e1"))
        #expect(try fixture.lease().isEmpty)
        fixture.advance(seconds: 30)
        guard case .expired(let expired)? = try fixture.commit([.expireLeases(limit: 10)]).results.first else {
            Issue.record("no expiry result"); return
        }
        #expect(expired.map(\.id) == [id])
        #expect(try fixture.execution(id).lastError.code == leaseTimeoutErrorCode)
        fixture.advance(seconds: 10)
        let leased = try fixture.lease(holder: "orders-1")
        #expect(leased.map(\.id) == [id])
        #expect(leased.first?.retries == 1)
        // The intent's late success under its own token is stale now.
        #expect(try fixture.records([fixture.success("e1", lease: (id, UInt64(id)))]) == [.stale(id)])
        #expect(try fixture.journal.history(of: id).map(\.kind) == ["started", "timeout", "leased", "stale"])
    }

    @Test("intents take no in-flight slot: the leased-executions list holds only Fetch leases")
    func intentsAreNotInFlight() throws {
        let fixture = try TestJournal()
        _ = try fixture.create(fixture.started("e1"))
        let failed = try fixture.create(fixture.failure("e2"))
        fixture.advance(seconds: 10)
        _ = try fixture.lease()
        #expect(try fixture.journal.leasedExecutions().map(\.id) == [failed])
        #expect(try fixture.journal.earliestLeaseExpiry() != nil)
    }

    @Test("rebuilding the projection replays a started row exactly, and the intent survives a reopen")
    func replays() throws {
        let fixture = try TestJournal()
        let open = try fixture.create(fixture.started("e1", correlation: "c"))
        let closed = try fixture.create(fixture.started("e2"))
        _ = try fixture.records([fixture.success("e2", lease: (closed, UInt64(closed)))])
        let before = try fixture.allExecutions()
        try fixture.journal.rebuildProjection()
        #expect(try fixture.allExecutions() == before)
        try fixture.reopen()
        #expect(try fixture.execution(open).status == .prepared)
        #expect(try fixture.records([fixture.started("e1")]) == [.rejected(.keyConflict)])
    }
}

/// Intents of saga steps: the intent's execution is the step's forward; an intent for a saga that is no longer
/// RUNNING is refused with `sagaAborted` (the hanging guard: the call must not run).
struct IntentSagaJournalTests {
    func startedStep(_ fixture: TestJournal, step: Int, last: Bool = false) -> IncomingRecord {
        var record = fixture.started("evt-\(step)", service: "svc-\(step)", function: "forward", correlation: "order-7")
        record.saga = SagaRecordRef(sagaId: "order-7", step: step, compensation: "undo", isLast: last)
        return record
    }

    @Test("a started record with a SagaRef links the intent's execution as the step's forward; its success completes the step")
    func intentIsForward() throws {
        let fixture = try TestJournal()
        let result = try #require(try fixture.records([startedStep(fixture, step: 0, last: true)]).first)
        guard case .accepted(let id) = result else { Issue.record("\(result)"); return }
        var detail = try #require(try fixture.journal.saga(id: "order-7"))
        #expect(detail.steps.first?.forwardExecutionId == id)
        #expect(detail.steps.first?.forwardState == .running)
        var success = fixture.success("evt-0", service: "svc-0", function: "forward", lease: (id, UInt64(id)))
        success.saga = SagaRecordRef(sagaId: "order-7", step: 0, compensation: "undo", isLast: true)
        #expect(try fixture.records([success]) == [.accepted(id)])
        detail = try #require(try fixture.journal.saga(id: "order-7"))
        #expect(detail.steps.first?.forwardState == .succeeded)
        #expect(detail.summary.status == .completed)
    }

    @Test("a started record for a saga that is no longer RUNNING is refused with sagaAborted and creates nothing")
    func abortedSagaRefusesIntent() throws {
        let fixture = try TestJournal()
        _ = try fixture.records([startedStep(fixture, step: 0)])
        guard case .sagaAborted(.success)? = try fixture.commit([.abortSaga(id: "order-7")]).results.first else {
            Issue.record("abort not done"); return
        }
        let status = try #require(try fixture.journal.saga(id: "order-7")).summary.status
        #expect(status != .running)
        let refused = try fixture.records([startedStep(fixture, step: 1)])
        #expect(refused == [.rejected(.sagaAborted(id: "order-7", status: status))])
        #expect(try fixture.journal.saga(id: "order-7")?.steps.count == 1)
    }
}
