@testable import CompBroker
import CompJournal
import CompModel
import Testing

struct StorageHealthTests {
    @Test("after a failed commit requests are refused at once until the backoff ends, and nothing is planned")
    func refusesWhileBackingOff() {
        var machine = makeMachine()
        _ = machine.fetchArrived(arrival(wait: 60_000), at: moment(0))
        let effects = machine.commitFailed("disk full", at: moment(10))
        #expect(effects.reports == [.degraded("disk full")])
        #expect(machine.refusesRequests(at: moment(11)))
        #expect(machine.plan(at: moment(11)).isEmpty)
        #expect(machine.nextWake(at: moment(11)) >= 10 + StorageHealth.baseBackoff)
        #expect(!machine.refusesRequests(at: moment(10 + StorageHealth.baseBackoff)))
        #expect(machine.heldFetches(of: "orders").count == 1)  // the fetch stays held
    }

    @Test("backoff doubles and is capped")
    func backoff() {
        #expect(StorageHealth.backoff(after: 1) == 50)
        #expect(StorageHealth.backoff(after: 2) == 100)
        #expect(StorageHealth.backoff(after: 6) == 1_600)
        #expect(StorageHealth.backoff(after: 1_000) == StorageHealth.maxBackoff)
    }

    @Test("a long fault logs once, then a summary at most every 30 s, then the recovery once")
    func logLines() {
        var health = StorageHealth()
        var reports: [StorageHealth.Report] = []
        var now: Int64 = 0
        for _ in 0..<10_000 {  // 10,000 failures over 100 s
            if let report = health.failed("disk full", at: now) { reports.append(report) }
            now += 10
        }
        if let report = health.succeeded() { reports.append(report) }
        #expect(reports.count <= 6)
        #expect(reports.first == .degraded("disk full"))
        #expect(reports.last == .recovered(failures: 10_000))
        #expect(health.succeeded() == nil)
        #expect(health.totalFailures == 10_000)
    }

    @Test("a failed read of the next lease deadline keeps expiry going after the backoff")
    func readFailure() {
        var machine = makeMachine()
        let effects = machine.expiryRead(.failure(JournalError(code: 10, message: "disk I/O error")), at: moment(0))
        #expect(effects.reports.count == 1)
        #expect(machine.plan(at: moment(1)).isEmpty)
        #expect(machine.plan(at: moment(StorageHealth.baseBackoff)) == [.expire(limit: 1000)])
    }

    @Test("a failed scheduler step backs off like a failed commit")
    func failedStep() {
        var machine = makeMachine()
        _ = machine.fetchArrived(arrival(), at: moment(0))
        let steps = machine.plan(at: moment(1))
        let effects = machine.committed(steps: steps, outcomes: [.failed("disk full")], changes: [], at: moment(1))
        #expect(effects.reports == [.degraded("disk full")])
        #expect(machine.plan(at: moment(2)).isEmpty)
    }
}

struct PrunePacerTests {
    @Test("pruning runs again on the next pass while steps delete rows, and waits when one deletes none")
    func pacing() {
        var pacer = PrunePacer(start: 0)
        #expect(pacer.isDue(at: 0))
        pacer.pruned(300, at: 5)
        #expect(pacer.isDue(at: 5))
        pacer.pruned(0, at: 6)
        #expect(!pacer.isDue(at: 6 + PrunePacer.idleInterval - 1))
        #expect(pacer.isDue(at: 6 + PrunePacer.idleInterval))
        pacer.failed(at: 20_000)
        #expect(!pacer.isDue(at: 20_001))
    }

    @Test("no retention step runs while storage backs off")
    func notWhileDegraded() {
        var machine = makeMachine()
        _ = machine.commitFailed("disk full", at: moment(0))
        #expect(!machine.pruneDue(at: moment(1)))
        #expect(machine.pruneDue(at: moment(StorageHealth.baseBackoff)))
    }
}

struct ReceiveBackoffTests {
    @Test("a failing receive is reported once, sleeps longer each time up to 1 s, and reports the recovery")
    func backoff() {
        var backoff = ReceiveBackoff()
        let first = backoff.failed()
        #expect(first)
        #expect(backoff.delayMilliseconds == 20)
        var reported = 0
        for _ in 0..<100 where backoff.failed() { reported += 1 }
        #expect(reported == 0)
        #expect(backoff.delayMilliseconds == 1000)
        let recovered = backoff.succeeded()
        #expect(recovered == 101)
        let again = backoff.succeeded()
        #expect(again == nil)
    }
}
