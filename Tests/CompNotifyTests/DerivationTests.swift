import CompJournal
import CompModel
import Testing
@testable import CompNotify

struct DerivationTests {
    @Test("a failure that creates an execution is failure_created with the execution's facts")
    func created() throws {
        var rows = Rows()
        let (change, _) = rows.created(id: 42, at: Rows.at(0))
        let event = try #require(DerivedEvent.derive(from: change))
        #expect(event.kind == .failureCreated)
        #expect(event.seq == 1)
        #expect(event.function == "charge")
        #expect(event.errorCode == "DB_DOWN")
        #expect(event.facts.service == "orders")
        #expect(event.facts.occurredAt == Rows.at(0))
        let execution = try #require(event.facts.execution)
        #expect(execution.id == 42)
        #expect(execution.status == .failed)
        #expect(execution.retries == 0)
        #expect(execution.maxRetries == 5)
        #expect(execution.nextRetryAt == Rows.at(3))
        #expect(execution.correlationId == "order-42")
        #expect(execution.eventId == "evt-42")
    }

    @Test("an unrecoverable first failure parks at once: parked wins over failure_created")
    func parkedWins() throws {
        var rows = Rows()
        let (change, _) = rows.created(id: 1, hint: .unrecoverable, at: Rows.at(0))
        let event = try #require(DerivedEvent.derive(from: change))
        #expect(event.kind == .parked)
        #expect(event.facts.execution?.parkReason == .unrecoverable)
    }

    @Test("a failure-result, and a failure joining an open execution, are retry_failed")
    func retryFailed() throws {
        var rows = Rows()
        let (_, created) = rows.created(id: 1, at: Rows.at(0))
        let (_, leased) = try rows.applied(.lease(token: 2, holder: "n1"), to: created, kind: "leased", at: Rows.at(3))
        let failure = FailureReport(error: ErrorInfo(code: "DB_DOWN", message: "again"), occurredAt: Rows.at(4))
        let (result, failedAgain) = try rows.applied(
            .failure(failure, leaseToken: 2), to: leased, kind: "failure-result", at: Rows.at(4))
        #expect(DerivedEvent.derive(from: result)?.kind == .retryFailed)
        #expect(DerivedEvent.derive(from: result)?.facts.execution?.retries == 1)
        let (joined, _) = try rows.applied(.failure(failure, leaseToken: nil), to: failedAgain, kind: "failure", at: Rows.at(5))
        #expect(DerivedEvent.derive(from: joined)?.kind == .retryFailed)
    }

    @Test("a success after a failure is succeeded_after_retry; leased and other rows notify nothing")
    func succeeded() throws {
        var rows = Rows()
        let (_, created) = rows.created(id: 1, at: Rows.at(0))
        let (leasedRow, leased) = try rows.applied(.lease(token: 2, holder: "n1"), to: created, kind: "leased", at: Rows.at(3))
        #expect(DerivedEvent.derive(from: leasedRow) == nil)
        let (success, _) = try rows.applied(.success(leaseToken: 2), to: leased, kind: "success-result", at: Rows.at(4))
        #expect(DerivedEvent.derive(from: success)?.kind == .succeeded)
        let (bySuccessKey, _) = try rows.applied(.success(leaseToken: nil), to: created, kind: "success", at: Rows.at(4))
        #expect(DerivedEvent.derive(from: bySuccessKey)?.kind == .succeeded)
        let (spec, _) = try rows.applied(.applySpec(Rows.spec), to: created, kind: "apply-spec", actor: "compctl:a", at: Rows.at(4))
        #expect(DerivedEvent.derive(from: spec) == nil)
    }

    @Test("operator rows: marks, discard, manual park; each with its actor")
    func operatorRows() throws {
        var rows = Rows()
        let (_, created) = rows.created(id: 1, at: Rows.at(0))
        let (recoverable, _) = try rows.applied(.mark(.recoverable), to: created, kind: "mark", actor: "compctl:alice", at: Rows.at(1))
        #expect(DerivedEvent.derive(from: recoverable)?.kind == .markedRecoverable)
        #expect(DerivedEvent.derive(from: recoverable)?.facts.actor == "compctl:alice")
        let (unrecoverable, _) = try rows.applied(.mark(.unrecoverable), to: created, kind: "mark", actor: "http:ops", at: Rows.at(1))
        // Marking a FAILED execution unrecoverable parks it: the park is the more significant event.
        let markEvent = try #require(DerivedEvent.derive(from: unrecoverable))
        #expect(markEvent.kind == .parked)
        #expect(markEvent.facts.execution?.parkReason == .unrecoverable)
        #expect(markEvent.facts.actor == "http:ops")
        let (discard, _) = try rows.applied(.discard, to: created, kind: "discard", actor: "http:ops", at: Rows.at(2))
        #expect(DerivedEvent.derive(from: discard)?.kind == .discarded)
        let (park, parked) = try rows.applied(.park, to: created, kind: "park", actor: "compctl:bob", at: Rows.at(2))
        #expect(DerivedEvent.derive(from: park)?.kind == .parked)
        #expect(DerivedEvent.derive(from: park)?.facts.execution?.parkReason == .manual)
        let (markParked, _) = try rows.applied(.mark(.unrecoverable), to: parked, kind: "mark", actor: "compctl:bob", at: Rows.at(3))
        #expect(DerivedEvent.derive(from: markParked)?.kind == .markedUnrecoverable)
    }

    @Test("a lease that runs out is lease_expired, or parked when it used the last retry")
    func timeout() throws {
        var rows = Rows()
        let (_, created) = rows.created(id: 1, at: Rows.at(0))
        let (_, leased) = try rows.applied(.lease(token: 2, holder: "n1"), to: created, kind: "leased", at: Rows.at(3))
        let (expired, _) = try rows.applied(.expireLease, to: leased, kind: "timeout", at: Rows.at(33))
        let event = try #require(DerivedEvent.derive(from: expired))
        #expect(event.kind == .leaseExpired)
        #expect(event.errorCode == "TIMEOUT")

        var last = created
        last.retries = Rows.spec.maxRetries - 1
        let (_, lastLease) = try rows.applied(.lease(token: 3, holder: "n1"), to: last, kind: "leased", at: Rows.at(3))
        let (exhausted, _) = try rows.applied(.expireLease, to: lastLease, kind: "timeout", at: Rows.at(33))
        #expect(DerivedEvent.derive(from: exhausted)?.kind == .parked)
        #expect(DerivedEvent.derive(from: exhausted)?.facts.execution?.parkReason == .exhausted)
    }

    @Test("pause and resume rows are service_paused and service_resumed with the actor")
    func pauseResume() throws {
        var rows = Rows()
        let paused = try #require(DerivedEvent.derive(from: rows.service("orders", paused: true, actor: "compctl:alice", at: Rows.at(0))))
        #expect(paused.kind == .servicePaused)
        #expect(paused.facts.service == "orders")
        #expect(paused.facts.actor == "compctl:alice")
        #expect(paused.facts.execution == nil)
        let resumed = DerivedEvent.derive(from: rows.service("orders", paused: false, actor: "http:ops", at: Rows.at(1)))
        #expect(resumed?.kind == .serviceResumed)
    }

    @Test("a long error message is cut to 500 characters ending with …")
    func longMessage() throws {
        var rows = Rows()
        let (change, _) = rows.created(id: 1, message: String(repeating: "é", count: 3000), at: Rows.at(0))
        let message = try #require(DerivedEvent.derive(from: change)?.facts.execution?.errorMessage)
        #expect(message.count == 500)
        #expect(message.hasSuffix("…"))
        let (short, _) = rows.created(id: 2, message: String(repeating: "x", count: 500), at: Rows.at(0))
        #expect(DerivedEvent.derive(from: short)?.facts.execution?.errorMessage.count == 500)
        #expect(DerivedEvent.derive(from: short)?.facts.execution?.errorMessage.hasSuffix("x") == true)
        // More UTF-8 bytes than the limit, but not more characters: kept whole.
        let accented = String(repeating: "é", count: 500)
        let (wide, _) = rows.created(id: 3, message: accented, at: Rows.at(0))
        #expect(DerivedEvent.derive(from: wide)?.facts.execution?.errorMessage == accented)
    }
}
