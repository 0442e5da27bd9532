import CompModel
import Testing

@testable import CompJournal

/// Sagas in the journal: records with a SagaRef, linked executions, compensation executions, the reader API.
struct SagaJournalTests {
    static let compensationSpec = RetrySpec(
        maxRetries: 1, minBackoff: .seconds(10), maxBackoff: .seconds(100), executionTimeout: .seconds(30), jitterPermille: 0)

    /// A forward record of step `step` of saga `saga` in `service` (function `forward`, compensation `undo`).
    func stepRecord(
        _ fixture: TestJournal, _ kind: IncomingRecord.Kind, saga: String = "order-7", step: Int, service: String,
        last: Bool = false, deadline: Timestamp? = nil, recoverable: Recoverability = .unknown, payload: String? = nil
    ) -> IncomingRecord {
        var record = kind == .failure
            ? fixture.failure("evt-\(step)", service: service, function: "forward", recoverable: recoverable)
            : fixture.success("evt-\(step)", service: service, function: "forward")
        record.payload = payload.map { Array($0.utf8) } ?? (kind == .failure ? record.payload : [])
        record.saga = SagaRecordRef(
            sagaId: saga, step: step, compensation: "undo", isLast: last, deadline: deadline, retry: Self.compensationSpec)
        return record
    }

    func status(_ fixture: TestJournal, _ id: String = "order-7") throws -> SagaStatus? {
        try fixture.journal.saga(id: id)?.summary.status
    }

    /// The compensation executions that exist, by step.
    func compensations(_ fixture: TestJournal, _ id: String = "order-7") throws -> [Int: ExecutionID] {
        let detail = try #require(try fixture.journal.saga(id: id))
        var found: [Int: ExecutionID] = [:]
        for step in detail.steps { if let execution = step.compensationExecutionId { found[step.index] = execution } }
        return found
    }

    @Test("records with a SagaRef declare the saga and its steps as they come; the reader lists and shows it")
    func declaredByRecords() throws {
        let fixture = try TestJournal()
        let deadline = fixture.now.adding(.seconds(60))
        let success = stepRecord(fixture, .success, step: 0, service: "order", deadline: deadline, payload: "order-1")
        let results = try fixture.records([success, stepRecord(fixture, .failure, step: 2, service: "point", last: true)])
        #expect(results[0] == .accepted(Journal.serviceRowExecutionId))  // a success with no execution: journaled
        guard case .accepted(let forward) = results[1] else { Issue.record("\(results)"); return }

        let detail = try #require(try fixture.journal.saga(id: "order-7"))
        #expect(detail.summary.status == .running)
        #expect(detail.summary.deadline == deadline)
        #expect(detail.summary.stepCount == 2)  // step 1 is a gap
        #expect(detail.steps.map(\.index) == [0, 2])
        #expect(detail.steps[0].forwardState == .succeeded)
        #expect(detail.steps[1].forwardState == .running)
        #expect(detail.steps[1].forwardExecutionId == forward)
        #expect(detail.steps[1].service == "point" && detail.steps[1].forward == "forward" && detail.steps[1].eventId == "evt-2")
        let kinds = detail.history.map(\.kind)
        #expect(kinds == ["saga-step", "saga-step", "saga-step", "failure", "saga-step", "saga-step"])
        #expect(detail.history.contains { $0.executionId == forward && $0.kind == "failure" })

        // The same success again is a duplicate (its row kept the record id).
        #expect(try fixture.records([success]) == [.duplicate(Journal.serviceRowExecutionId)])

        let list = try fixture.journal.sagas(status: .running, limit: 10, before: nil)
        #expect(list.sagas.map(\.id) == ["order-7"])
        #expect(try fixture.journal.sagas(status: .aborting, limit: 10, before: nil).sagas.isEmpty)
        #expect(try fixture.journal.saga(id: "nope") == nil)
    }

    @Test("a SagaRef the saga cannot take is refused before anything is written")
    func refusedReference() throws {
        let fixture = try TestJournal()
        _ = try fixture.records([stepRecord(fixture, .success, step: 1, service: "exchange", last: true)])
        let head = fixture.journal.headSeq
        let late = stepRecord(fixture, .failure, step: 2, service: "point")
        let wrong = stepRecord(fixture, .failure, step: 1, service: "point")
        let results = try fixture.records([late, wrong])
        #expect(results[0] == .rejected(.sagaInvalid("saga.step: the saga's steps are closed: no step can be added")))
        #expect(results[1] == .rejected(.sagaInvalid("saga.step: step 1 of saga order-7 is exchange/main/forward")))
        #expect(fixture.journal.headSeq == head)
    }

    @Test("a step failing unrecoverably compensates the steps that ran, last first, the earlier only after the later's result")
    func reverseCompensation() throws {
        let fixture = try TestJournal()
        _ = try fixture.records([
            stepRecord(fixture, .success, step: 0, service: "order", payload: "p0"),
            stepRecord(fixture, .success, step: 1, service: "exchange", payload: "p1"),
        ])
        let failing = stepRecord(fixture, .failure, step: 2, service: "point", last: true, recoverable: .unrecoverable)
        let result = try fixture.journal.commit([[.record(failing)]], now: fixture.now)
        #expect(result.sagaChanges.map(\.status) == [.aborting])
        #expect(result.sagaChanges.first?.cause == .stepFailed(2))
        #expect(try status(fixture) == .aborting)
        let first = try compensations(fixture)
        #expect(Array(first.keys) == [1])  // step 0 waits for step 1's compensation
        let exchangeUndo = try fixture.execution(try #require(first[1]))
        #expect(exchangeUndo.status == .failed && exchangeUndo.nextRetryAt == fixture.now && exchangeUndo.retries == 0)
        #expect(exchangeUndo.key == ExecutionKey(service: "exchange", processor: "main", function: "undo", eventId: "evt-1"))
        #expect(exchangeUndo.payload == Array("p1".utf8))
        #expect(exchangeUndo.lastError.code == "SAGA_COMPENSATE")
        #expect(exchangeUndo.lastError.message == "saga order-7 aborted: step 2 failed")
        #expect(fixture.journal.compensationMarker(of: exchangeUndo.id)
            == CompensationMarker(sagaId: "order-7", step: 1, forwardUnknown: false))
        // The parked forward was discarded by the saga: no operator retry can run it after the abort.
        let detail = try #require(try fixture.journal.saga(id: "order-7"))
        let pointForward = try fixture.execution(try #require(detail.steps[2].forwardExecutionId))
        #expect(pointForward.status == .discarded)
        #expect(detail.steps[2].compensationState == .notNeeded)

        let leased = try fixture.lease(service: "exchange")
        #expect(leased.map(\.id) == [exchangeUndo.id])
        let token = try #require(leased.first?.lease?.token)
        let undone = try fixture.records([fixture.success("evt-1", service: "exchange", function: "undo", lease: (exchangeUndo.id, token))])
        #expect(undone == [.accepted(exchangeUndo.id)])
        let second = try compensations(fixture)
        let orderUndo = try fixture.execution(try #require(second[0]))
        #expect(orderUndo.key.service == "order" && orderUndo.payload == Array("p0".utf8))
        let orderLease = try #require(try fixture.lease(service: "order").first?.lease?.token)
        let done = try fixture.journal.commit(
            [[.record(fixture.success("evt-0", service: "order", function: "undo", lease: (orderUndo.id, orderLease)))]],
            now: fixture.now)
        #expect(done.sagaChanges.map(\.status) == [.compensated])
        #expect(try status(fixture) == .compensated)
        #expect(fixture.journal.compensationMarker(of: orderUndo.id) == nil)  // finished: no longer linked
    }

    @Test("the deadline fences a leased forward; its late success is stale, journaled, and its compensation says forwardUnknown")
    func deadlineFencesLease() throws {
        let fixture = try TestJournal()
        let deadline = fixture.now.adding(.seconds(5))
        let id = try fixture.create(stepRecord(fixture, .failure, step: 0, service: "exchange", deadline: deadline))
        #expect(try fixture.journal.earliestSagaDeadline() == deadline)
        fixture.advance(seconds: 10)
        let lease = try #require(try fixture.lease(service: "exchange").first?.lease)
        guard case .sagaDeadlines(let fired)? = try fixture.commit([.sagaDeadlines(limit: 10)]).results.first else {
            Issue.record("no answer"); return
        }
        #expect(fired == 1)
        #expect(try status(fixture) == .aborting)
        #expect(try fixture.journal.earliestSagaDeadline() == nil)
        #expect(try fixture.execution(id).status == .discarded)
        let undo = try #require(try compensations(fixture)[0])
        #expect(fixture.journal.compensationMarker(of: undo)?.forwardUnknown == true)

        // The late success of the fenced lease (its retry command carried no ref): stale, kept, fed to the saga.
        let late = try fixture.records([fixture.success("evt-0", service: "exchange", function: "forward", lease: (id, lease.token))])
        #expect(late == [.stale(id)])
        let detail = try #require(try fixture.journal.saga(id: "order-7"))
        #expect(detail.steps[0].forwardState == .succeeded)
        #expect(detail.history.contains { $0.kind == "stale" })
        #expect(try compensations(fixture).count == 1)  // the compensation already asked covers it
    }

    @Test("a parked compensation makes the saga STUCK; an operator retry resumes it and its success compensates")
    func stuckThenRetried() throws {
        let fixture = try TestJournal()
        _ = try fixture.records([stepRecord(fixture, .success, step: 0, service: "order", last: true)])
        // Completed already: an abort is refused.
        #expect(try status(fixture) == .completed)
        func refusal(_ id: String) throws -> JournalRejection? {
            guard case .sagaAborted(.failure(let rejection))? = try fixture.commit([.abortSaga(id: id)]).results.first else {
                return nil
            }
            return rejection
        }
        #expect(try refusal("order-7") == .sagaNotRunning(.completed))
        #expect(try refusal("nope") == .unknownSaga)

        _ = try fixture.records([stepRecord(fixture, .success, saga: "s2", step: 0, service: "order")])
        let aborted = try fixture.journal.commit([[.abortSaga(id: "s2", actor: "compctl:alice")]], now: fixture.now)
        #expect(aborted.sagaChanges.map(\.cause) == [.operatorAbort])
        let undo = try #require(try compensations(fixture, "s2")[0])
        // Its one retry (maxRetries 1) fails: parked (exhausted) → STUCK.
        let first = try #require(try fixture.lease(service: "order").first?.lease?.token)
        _ = try fixture.records([fixture.failure("evt-0", service: "order", function: "undo", lease: (undo, first))])
        #expect(try fixture.execution(undo).status == .parked)
        #expect(try status(fixture, "s2") == .stuck)
        #expect(try fixture.operate(undo, .retryNow).map(\.status) == .success(.failed))
        #expect(try status(fixture, "s2") == .aborting)
        let token = try #require(try fixture.lease(service: "order").first?.lease?.token)
        _ = try fixture.records([fixture.success("evt-0", service: "order", function: "undo", lease: (undo, token))])
        #expect(try status(fixture, "s2") == .compensated)
        let history = try #require(try fixture.journal.saga(id: "s2")).history
        #expect(history.contains { $0.kind == "saga-step" && $0.actor == "compctl:alice" })
        #expect(history.filter { $0.kind == "saga-status" }.map(\.summary)
            == ["saga s2: ABORTING (operator abort)", "saga s2: STUCK (operator abort)",
                "saga s2: ABORTING (operator abort)", "saga s2: COMPENSATED (operator abort)"])
    }

    @Test("an explicit declaration is idempotent with the same steps and a conflict with others")
    func explicitDeclaration() throws {
        let fixture = try TestJournal()
        let steps = [
            SagaStepSpec(service: "order", processor: "main", forward: "create", compensation: "reject"),
            SagaStepSpec(service: "point", processor: "main", forward: "use", compensation: "restore"),
        ]
        func declare(_ steps: [SagaStepSpec]) throws -> Result<Bool, JournalRejection>? {
            guard case .sagaDeclared(let result)? = try fixture.commit([.declareSaga(id: "d", steps: steps, deadline: nil)])
                .results.first else { return nil }
            return result
        }
        #expect(try declare(steps) == .success(true))
        #expect(try declare(steps) == .success(false))
        #expect(try declare(Array(steps.prefix(1))) == .failure(.sagaConflict))
        #expect(try declare([]) == .failure(.sagaInvalid("steps: 0 steps, 1 to 100 allowed")))
        // A record for a declared step names its event; one for a step past the list is refused.
        var record = fixture.success("e-1", service: "order", function: "create")
        record.saga = SagaRecordRef(sagaId: "d", step: 0, compensation: "reject")
        #expect(try fixture.records([record]) == [.accepted(Journal.serviceRowExecutionId)])
        #expect(try fixture.journal.saga(id: "d")?.steps.first?.eventId == "e-1")
        var extra = fixture.success("e-3", service: "mail", function: "send")
        extra.saga = SagaRecordRef(sagaId: "d", step: 2, compensation: "")
        #expect(try fixture.records([extra]) == [.rejected(.sagaInvalid("saga.step: the saga's steps are closed: no step can be added"))])
    }

    @Test("sagas list newest updated first, in pages, on a real file that reopens with its links")
    func pagesAndReopen() throws {
        let fixture = try TestJournal()
        for index in 0..<5 {
            _ = try fixture.records([stepRecord(fixture, .failure, saga: "s\(index)", step: 0, service: "order")])
            fixture.advance(seconds: 1)
        }
        let first = try fixture.journal.sagas(status: nil, limit: 2, before: nil)
        #expect(first.sagas.map(\.id) == ["s4", "s3"])
        let second = try fixture.journal.sagas(status: nil, limit: 2, before: first.nextCursor)
        #expect(second.sagas.map(\.id) == ["s2", "s1"])
        let third = try fixture.journal.sagas(status: .running, limit: 2, before: second.nextCursor)
        #expect(third.sagas.map(\.id) == ["s0"] && third.nextCursor == nil)
        #expect(throws: JournalError.self) { _ = try fixture.journal.sagas(status: nil, limit: 2, before: "x") }

        _ = try fixture.commit([.abortSaga(id: "s1")])
        let undo = try #require(try compensations(fixture, "s1")[0])
        let marker = fixture.journal.compensationMarker(of: undo)
        #expect(marker != nil)
        try fixture.reopen()
        #expect(fixture.journal.compensationMarker(of: undo) == marker)
        let reader = try JournalReader(path: fixture.path)
        defer { reader.close() }
        #expect(try reader.saga(id: "s1")?.summary.abortCause == .operatorAbort)
        #expect(try reader.sagas(status: .aborting, limit: 10, before: nil).sagas.map(\.id) == ["s1"])
    }
}
