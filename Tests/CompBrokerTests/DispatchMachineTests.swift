@testable import CompBroker
import CompJournal
import CompModel
import Testing

struct DispatchMachineTests {
    @Test("the in-flight cap bounds what is leased, across held fetches and after leases")
    func inFlightCap() {
        var machine = makeMachine(cap: 5)
        _ = machine.fetchArrived(arrival(instance: "a", max: 3), at: moment(0))
        _ = machine.fetchArrived(arrival(instance: "b", max: 3), at: moment(0))
        #expect(machine.plan(at: moment(1)).compactMap(\.leaseLimit) == [3, 2])

        var full = makeMachine(cap: 2)
        let (ticket, _) = full.fetchArrived(arrival(instance: "a", max: 5), at: moment(0))
        let steps = full.plan(at: moment(1))
        let effects = full.committed(
            steps: steps, outcomes: [.leased([execution(1, token: 11), execution(2, token: 12)])],
            changes: changed([execution(1, token: 11), execution(2, token: 12)]), at: moment(1))
        #expect(effects.answers.map { $0.0 } == [ticket])
        #expect(full.inFlight("orders") == 2)
        _ = full.fetchArrived(arrival(instance: "b", max: 5), at: moment(2))
        #expect(full.plan(at: moment(3)).isEmpty)  // at the cap: nothing leased, the fetch stays held
        #expect(full.heldFetches(of: "orders").count == 1)
    }

    @Test("a paused service gets no lease; resumed, it does")
    func pause() {
        var machine = makeMachine()
        machine.setPaused("orders", true)
        _ = machine.fetchArrived(arrival(), at: moment(0))
        #expect(machine.plan(at: moment(1)).isEmpty)
        machine.setPaused("orders", false)
        #expect(machine.plan(at: moment(2)).compactMap(\.leaseLimit) == [10])
    }

    @Test("a held fetch is answered empty at its deadline on the monotonic clock, whatever the wall clock does")
    func deadlines() {
        var machine = makeMachine()
        let (ticket, _) = machine.fetchArrived(arrival(wait: 500), at: moment(1000))
        #expect(machine.tick(at: moment(1499, wall: 0)).answers.isEmpty)
        let effects = machine.tick(at: moment(1500, wall: 0))
        #expect(effects.answers.map { $0.0 } == [ticket])
        #expect(effects.answers.first?.1.isEmpty == true)
        #expect(machine.held.isEmpty)
    }

    @Test("the journal's now never decreases when the wall clock steps back")
    func clockSteps() {
        var machine = makeMachine(at: moment(0, wall: 10_000))
        machine.pruned(0, at: moment(0))
        #expect(machine.journalNow(moment(1, wall: 10_001)).milliseconds == 10_001)
        #expect(machine.journalNow(moment(2, wall: 5_000)).milliseconds == 10_001)
        #expect(machine.journalNow(moment(3, wall: 20_000)).milliseconds == 20_000)
        // A due hint in the journal's future is waited for, not spun on, after a backwards step.
        _ = machine.fetchArrived(arrival(wait: 60_000), at: moment(4, wall: 1_000))
        let steps = machine.plan(at: moment(5, wall: 1_000))
        _ = machine.committed(steps: steps, outcomes: [.leased([])], changes: [], at: moment(5, wall: 1_000))
        _ = machine.dueRead("orders", .success(Timestamp(milliseconds: 25_000)), at: moment(6, wall: 1_000))
        let wake = machine.nextWake(at: moment(7, wall: 1_000))
        #expect(wake > 7)
        #expect(machine.plan(at: moment(8, wall: 1_000)).isEmpty)
    }

    @Test("a newer fetch of the same instance replaces the held one; other instances stay")
    func replacement() {
        var machine = makeMachine()
        let (first, _) = machine.fetchArrived(arrival(instance: "a", requestId: 1), at: moment(0))
        let (other, _) = machine.fetchArrived(arrival(instance: "b", requestId: 1), at: moment(0))
        let (second, effects) = machine.fetchArrived(arrival(instance: "a", requestId: 2), at: moment(1))
        #expect(effects.dropped == [first])
        #expect(machine.heldFetches(of: "orders").map(\.ticket) == [other, second])
    }

    @Test("a fetch resent with the same request id after its Commands reply gives those leases back, once")
    func lostReply() {
        var machine = makeMachine()
        let (ticket, _) = machine.fetchArrived(arrival(instance: "a", requestId: 7), at: moment(0))
        let steps = machine.plan(at: moment(1))
        let leased = [execution(1, token: 11), execution(2, token: 12)]
        let effects = machine.committed(steps: steps, outcomes: [.leased(leased)], changes: changed(leased), at: moment(1))
        #expect(effects.answers.map { $0.0 } == [ticket])
        #expect(effects.dispatched == 2)

        // Execution 2's result came in meanwhile: only 1 is still leased with its token.
        let done = execution(2, status: .succeeded)
        _ = machine.committed(steps: [], outcomes: [], changes: changed([done]), at: moment(2))
        _ = machine.fetchArrived(arrival(instance: "a", requestId: 7), at: moment(3))
        let resent = machine.plan(at: moment(4))
        #expect(resent.first == .giveBack(1, token: 11, service: "orders"))
        #expect(resent.count(where: { if case .giveBack = $0 { true } else { false } }) == 1)
        let returned = execution(1, status: .failed, due: 1_700_000_000_004)
        let after = machine.committed(
            steps: resent, outcomes: [.gaveBack(true)] + resent.dropFirst().map { _ in .leased([]) },
            changes: changed([returned]), at: moment(4))
        #expect(after.returned == 1)
        #expect(machine.inFlight("orders") == 0)

        // The same request id once more gives nothing back again.
        _ = machine.fetchArrived(arrival(instance: "a", requestId: 7), at: moment(5))
        #expect(!machine.plan(at: moment(6)).contains { if case .giveBack = $0 { true } else { false } })
    }

    @Test("a new request id from the same instance returns nothing")
    func newRequestKeepsLeases() {
        var machine = makeMachine()
        _ = machine.fetchArrived(arrival(instance: "a", requestId: 7), at: moment(0))
        let steps = machine.plan(at: moment(1))
        let leased = [execution(1, token: 11)]
        _ = machine.committed(steps: steps, outcomes: [.leased(leased)], changes: changed(leased), at: moment(1))
        _ = machine.fetchArrived(arrival(instance: "a", requestId: 8), at: moment(2))
        #expect(!machine.plan(at: moment(3)).contains { if case .giveBack = $0 { true } else { false } })
    }

    @Test("per-service state shrinks back when a service has nothing held, leased or paused")
    func mapsShrink() {
        var machine = makeMachine()
        for index in 0..<50 {
            let service = "s\(index)"
            _ = machine.fetchArrived(arrival(service, instance: "a", requestId: 1), at: moment(0))
            let steps = machine.plan(at: moment(1))
            let leased = [execution(ExecutionID(index + 1), service: service, token: UInt64(index + 100))]
            _ = machine.committed(steps: steps, outcomes: [.leased(leased)], changes: changed(leased), at: moment(1))
            _ = machine.committed(
                steps: [], outcomes: [], changes: changed([execution(ExecutionID(index + 1), service: service, status: .succeeded)]),
                at: moment(2))
            machine.setPaused(service, true)
            machine.setPaused(service, false)
            _ = machine.fetchArrived(arrival(service, instance: "a", requestId: 2), at: moment(3))
            _ = machine.dueRead(service, .success(nil), at: moment(3))
            _ = machine.tick(at: moment(5000))
        }
        #expect(machine.held.isEmpty)
        #expect(machine.leased.isEmpty)
        #expect(machine.dueHint.isEmpty)
        #expect(machine.noDueWork.isEmpty)
        #expect(machine.deliveries.isEmpty)
        #expect(machine.paused.isEmpty)
    }

    @Test("a lease that fills less than asked refreshes the service's due time; none due means no plan until work arrives")
    func dueRefresh() {
        var machine = makeMachine()
        machine.pruned(0, at: moment(0))
        _ = machine.fetchArrived(arrival(max: 10), at: moment(0))
        let steps = machine.plan(at: moment(1))
        let effects = machine.committed(steps: steps, outcomes: [.leased([])], changes: [], at: moment(1))
        #expect(effects.reads == [.earliestDue("orders")])
        _ = machine.dueRead("orders", .success(nil), at: moment(1))
        #expect(machine.plan(at: moment(2)).isEmpty)
        // A new failure of that service makes it due again.
        let due = execution(9, status: .failed, due: 1_700_000_000_050)
        _ = machine.committed(steps: [], outcomes: [], changes: changed([due]), at: moment(3))
        #expect(machine.plan(at: moment(10)).isEmpty)
        #expect(machine.nextWake(at: moment(10)) == 50)
        #expect(machine.plan(at: moment(50)).compactMap(\.leaseLimit) == [10])
    }

    @Test("the reply budget goes into every lease step")
    func budget() {
        var machine = makeMachine(budget: 12_345)
        _ = machine.fetchArrived(arrival(), at: moment(0))
        #expect(machine.plan(at: moment(1)) == [.lease(FetchTicket(value: 1), service: "orders", holder: "n1", limit: 10, budgetBytes: 12_345)])
    }

    @Test("expiry runs when a deadline has passed and reads the next deadline when it expired fewer than its limit")
    func expiry() {
        var machine = makeMachine()
        machine.pruned(0, at: moment(0))
        let lease = execution(1, token: 5, until: 1_700_000_000_100)
        _ = machine.committed(steps: [], outcomes: [], changes: changed([lease]), at: moment(0))
        #expect(machine.plan(at: moment(99)).isEmpty)
        #expect(machine.nextWake(at: moment(99)) == 100)
        let steps = machine.plan(at: moment(100))
        #expect(steps == [.expire(limit: 1000)])
        let effects = machine.committed(
            steps: steps, outcomes: [.expired([execution(1, status: .failed)])], changes: changed([execution(1, status: .failed)]),
            at: moment(100))
        #expect(effects.expired == 1)
        #expect(effects.reads == [.earliestExpiry])
        _ = machine.expiryRead(.success(nil), at: moment(100))
        #expect(machine.plan(at: moment(200)).isEmpty)
    }
}
