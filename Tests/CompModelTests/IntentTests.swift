import Testing
@testable import CompModel

/// The execution a `started` record creates, and what results and lease expiry do to it.
struct IntentTests {
    func started(_ fixture: Fixture, spec: RetrySpec? = nil) -> Execution {
        Execution.start(
            id: 7, key: fixture.key, correlationId: "order-9", spec: spec ?? fixture.spec, payload: [9],
            token: 7, now: fixture.t0)
    }

    @Test("a started record creates a PREPARED execution leased to intent for the execution timeout")
    func startsPrepared() {
        let fixture = Fixture()
        let execution = started(fixture)
        #expect(execution.status == .prepared)
        #expect(execution.lease == Lease(token: 7, holder: intentLeaseHolder, grantedAt: fixture.t0, until: fixture.at(5)))
        #expect(execution.retries == 0)
        #expect(execution.nextRetryAt == nil)
        #expect(execution.lastError == .none)
        #expect(execution.payload == [9])
        #expect(execution.isOpen)
    }

    @Test("a success with the intent's token closes it")
    func successWithLease() throws {
        var fixture = Fixture()
        var execution = started(fixture)
        try execution.apply(.success(leaseToken: 7), now: fixture.at(1), random: &fixture.random)
        #expect(execution.status == .succeeded)
        #expect(execution.lease == nil)
    }

    @Test("a success by key (no lease) closes it")
    func successByKey() throws {
        var fixture = Fixture()
        var execution = started(fixture)
        try execution.apply(.success(leaseToken: nil), now: fixture.at(1), random: &fixture.random)
        #expect(execution.status == .succeeded)
    }

    @Test("a failure with the intent's token is a failed first attempt, retried after minBackoff")
    func failureWithLease() throws {
        var fixture = Fixture()
        var execution = started(fixture)
        try execution.apply(.failure(fixture.failure("DOWN"), leaseToken: 7), now: fixture.at(1), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.retries == 0)
        #expect(execution.nextRetryAt == fixture.at(2))
        #expect(execution.lastError.code == "DOWN")
    }

    @Test("no result by the lease's end: a TIMEOUT, retried through a lease to a subscriber")
    func expiresToRetry() throws {
        var fixture = Fixture()
        var execution = started(fixture)
        #expect(throws: ModelError.notDue) {
            try execution.apply(.expireLease, now: fixture.at(4), random: &fixture.random)
        }
        try execution.apply(.expireLease, now: fixture.at(5), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.lastError.code == leaseTimeoutErrorCode)
        #expect(execution.lastError.message.contains(intentLeaseHolder))
        #expect(execution.nextRetryAt == fixture.at(6))
        try execution.apply(.lease(token: 20, holder: "orders-1"), now: fixture.at(6), random: &fixture.random)
        #expect(execution.retries == 1)
        #expect(execution.lease?.holder == "orders-1")
    }

    @Test("a late success with the intent's token after the timeout is stale")
    func lateSuccessIsStale() throws {
        var fixture = Fixture()
        var execution = started(fixture)
        try execution.apply(.expireLease, now: fixture.at(5), random: &fixture.random)
        #expect(throws: ModelError.stale) {
            try execution.apply(.success(leaseToken: 7), now: fixture.at(6), random: &fixture.random)
        }
        #expect(execution.status == .failed)
    }

    @Test("with maxRetries 0 a timed-out intent parks exhausted")
    func zeroRetriesParks() throws {
        var fixture = Fixture()
        var spec = fixture.spec
        spec.maxRetries = 0
        var execution = started(fixture, spec: spec)
        try execution.apply(.expireLease, now: fixture.at(5), random: &fixture.random)
        #expect(execution.status == .parked)
        #expect(execution.parkReason == .exhausted)
    }
}
