@testable import CompBroker
@testable import CompJournal
import CompModel
import CompWire
import Foundation
import Testing

/// Sagas through the core: the deadline's wake-up, the compensation's marker on its command, the operator abort.
struct SagaCoreTests {
    /// A forward failure of step `step` of saga `saga` (service `service`, due after `backoff` ms).
    func forward(
        _ saga: String, step: Int, service: String, backoff: Int64 = 60_000, deadline: Timestamp? = nil,
        success: Bool = false
    ) -> IncomingRecord {
        var record = incoming("\(saga)-\(step)", service: service, backoff: backoff)
        if success {
            record.kind = .success
            record.failure = nil
        }
        record.saga = SagaRecordRef(sagaId: saga, step: step, compensation: "undo", deadline: deadline, retry: record.spec)
        return record
    }

    /// Reads the saga's status from its own reader until `expected` (30 s at most).
    func waitForStatus(_ fixture: CoreFixture, _ id: String, _ expected: SagaStatus) async throws -> SagaDetail? {
        let reader = try JournalReader(path: fixture.directory + "/journal.sqlite")
        defer { reader.close() }
        let clock = ContinuousClock()
        let end = clock.now + .seconds(30)
        while clock.now < end {
            if let detail = try reader.saga(id: id), detail.summary.status == expected { return detail }
            try await Task.sleep(for: .milliseconds(5))
        }
        return try reader.saga(id: id)
    }

    @Test("the deadline wakes the core by itself (no other work) and the abort's compensation goes out with its marker")
    func deadlineFiresAndCompensationIsMarked() async throws {
        let fixture = try CoreFixture()
        let deadline = BrokerClock.wall().adding(.milliseconds(300))
        _ = try await fixture.core.record([
            forward("s1", step: 0, service: "exchange", deadline: deadline, success: true),
            forward("s1", step: 1, service: "point"),
        ]).get()
        let detail = try await waitForStatus(fixture, "s1", .aborting)
        #expect(detail?.summary.status == .aborting)
        #expect(detail?.summary.abortCause == .deadline)
        // Step 1's forward was FAILED (waiting for a retry): fenced, its compensation asked first, as forwardUnknown.
        let leased = try await fixture.core.fetch(FetchArrival(
            service: "point", instance: "n1", max: 10, requestId: 1, waitMilliseconds: 5000)).get()
        #expect(leased.count == 1)
        #expect(leased.first?.execution.key.function == "undo")
        #expect(leased.first?.saga == CompensationMarker(sagaId: "s1", step: 1, forwardUnknown: true))
        let command = try #require(leased.first.map { Mapping.command($0) })
        #expect(command.saga == SagaCommandRef(sagaId: "s1", step: 1, forwardUnknown: 1))
        #expect(command.lastError.code == "SAGA_COMPENSATE")
    }

    @Test("an operator abort through the core: unknown saga and a saga not RUNNING are refused")
    func operatorAbort() async throws {
        let fixture = try CoreFixture()
        _ = try await fixture.core.record([forward("s2", step: 0, service: "exchange", success: true)]).get()
        let unknown = await fixture.core.perform { .abortSaga("nope", actor: "compctl:test", $0) }
        #expect(unknown.map { true } == .failure(.rejected(.unknownSaga)))
        let aborted = await fixture.core.perform { .abortSaga("s2", actor: "compctl:test", $0) }
        #expect(aborted.map { true } == .success(true))
        let again = await fixture.core.perform { .abortSaga("s2", actor: "compctl:test", $0) }
        #expect(again.map { true } == .failure(.rejected(.sagaNotRunning(.aborting))))
        let declared = await fixture.core.perform {
            .declareSaga(id: "d", steps: [SagaStepSpec(service: "a", processor: "p", forward: "f", compensation: "c")],
                         deadline: nil, $0)
        }
        #expect(declared == .success(true))
    }

    @Test("the machine wakes at the earliest saga deadline, plans one deadline step once it passed, then reads the next")
    func machineDeadline() {
        var machine = DispatchMachine(
            config: .init(inFlightPerService: 10, replyBudgetBytes: 1 << 20), paused: [], leases: [], expiry: nil,
            sagaDeadline: moment(500).wall, at: moment(0))
        machine.pruned(0, at: moment(0))  // the next retention step in 10 s: not the earliest wake
        #expect(machine.nextWake(at: moment(0)) == 500)
        #expect(machine.plan(at: moment(100)).isEmpty)
        #expect(machine.plan(at: moment(500)) == [.sagaDeadlines(limit: DispatchMachine.sagaDeadlineBatch)])
        let effects = machine.committed(
            steps: [.sagaDeadlines(limit: DispatchMachine.sagaDeadlineBatch)], outcomes: [.sagaDeadlines(1)], changes: [],
            at: moment(500))
        #expect(effects.reads == [.earliestSagaDeadline])
        _ = machine.sagaDeadlineRead(.success(nil), at: moment(500))
        #expect(machine.nextWake(at: moment(600)) == PrunePacer.idleInterval)  // no saga wake left: the retention step
        #expect(machine.sagasChanged().reads == [.earliestSagaDeadline])
    }
}
