import Testing

@testable import CompModel

struct LeaseReturnTests {
    @Test("returning the current lease makes the execution due now and gives the attempt back")
    func returnsUncounted() throws {
        var fixture = Fixture()
        var execution = try fixture.leased(token: 100)
        #expect(execution.retries == 1)
        try execution.apply(.returnLease(token: 100), now: fixture.at(2), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.nextRetryAt == fixture.at(2))
        #expect(execution.retries == 0)
        #expect(execution.returns == 1)
        #expect(execution.lease == nil)
        #expect(execution.updatedAt == fixture.at(2))
    }

    @Test("the return after maxReturns in a row counts as a failed attempt with UNDELIVERED")
    func boundCounts() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        var token: UInt64 = 100
        for _ in 0..<Execution.maxReturns {
            try execution.apply(.lease(token: token, holder: "n"), now: fixture.at(1), random: &fixture.random)
            try execution.apply(.returnLease(token: token), now: fixture.at(1), random: &fixture.random)
            token += 1
        }
        #expect(execution.returns == Execution.maxReturns)
        #expect(execution.retries == 0)
        try execution.apply(.lease(token: token, holder: "n"), now: fixture.at(1), random: &fixture.random)
        try execution.apply(.returnLease(token: token), now: fixture.at(1), random: &fixture.random)
        #expect(execution.returns == 0)
        #expect(execution.retries == 1)
        #expect(execution.lastError.code == leaseUndeliveredErrorCode)
        #expect(execution.status == .failed)
        #expect(execution.nextRetryAt == fixture.at(3))  // backoff 1 s · 2¹ from now
    }

    @Test("an undelivered attempt that uses the last retry parks the execution as exhausted")
    func countedExhausts() throws {
        var fixture = Fixture()
        var execution = fixture.fresh(spec: RetrySpec(
            maxRetries: 1, minBackoff: .seconds(1), maxBackoff: .seconds(10), executionTimeout: .seconds(5),
            jitterPermille: 0))
        execution.returns = Execution.maxReturns
        try execution.apply(.lease(token: 7, holder: "n"), now: fixture.at(1), random: &fixture.random)
        try execution.apply(.returnLease(token: 7), now: fixture.at(1), random: &fixture.random)
        #expect(execution.status == .parked)
        #expect(execution.parkReason == .exhausted)
    }

    @Test("a return with another token, or when nothing is leased, is stale and changes nothing")
    func staleReturn() throws {
        var fixture = Fixture()
        var execution = try fixture.leased(token: 100)
        let before = execution
        #expect(throws: ModelError.stale) {
            try execution.apply(.returnLease(token: 99), now: fixture.at(2), random: &fixture.random)
        }
        #expect(execution == before)
        var waiting = fixture.fresh()
        #expect(throws: ModelError.stale) {
            try waiting.apply(.returnLease(token: 100), now: fixture.at(2), random: &fixture.random)
        }
    }

    @Test("an extension, a result with the current token and a timeout reset the return count")
    func resets() throws {
        var fixture = Fixture()
        for input in [
            ExecutionInput.extendLease(token: 100, by: .seconds(5)), .success(leaseToken: 100),
            .failure(fixture.failure(), leaseToken: 100), .expireLease,
        ] {
            var execution = try fixture.leased(token: 100)
            execution.returns = 2
            try execution.apply(input, now: fixture.at(10), random: &fixture.random)
            #expect(execution.returns == 0, "after \(input.name)")
        }
    }
}
