import Testing
@testable import CompModel

/// Builds executions at fixed times with a fixed random source.
struct Fixture {
    var random = SplitMix64(seed: 99)
    let t0 = Timestamp(milliseconds: 1_700_000_000_000)
    let spec = RetrySpec(
        maxRetries: 3, minBackoff: .seconds(1), maxBackoff: .seconds(10),
        executionTimeout: .seconds(5), jitterPermille: 0)
    let key = ExecutionKey(service: "orders", processor: "billing", function: "charge", eventId: "evt-1")

    func at(_ seconds: Int64) -> Timestamp { t0.adding(.seconds(seconds)) }

    func failure(_ code: String = "E", _ hint: Recoverability = .unknown) -> FailureReport {
        FailureReport(error: ErrorInfo(code: code, message: "boom"), recoverable: hint, occurredAt: t0)
    }

    mutating func fresh(hint: Recoverability = .unknown, spec: RetrySpec? = nil) -> Execution {
        Execution.create(
            id: 1, key: key, correlationId: "order-9", failure: failure("E", hint), spec: spec ?? self.spec,
            payload: [1, 2], now: t0, random: &random)
    }

    mutating func leased(token: UInt64 = 100) throws -> Execution {
        var execution = fresh()
        try execution.apply(.lease(token: token, holder: "node-1"), now: at(1), random: &random)
        return execution
    }
}

struct CreationTests {
    @Test("a first failure is FAILED and due after minBackoff")
    func createsFailed() {
        var fixture = Fixture()
        let execution = fixture.fresh()
        #expect(execution.status == .failed)
        #expect(execution.retries == 0)
        #expect(execution.nextRetryAt == fixture.at(1))
        #expect(execution.lastError.code == "E")
        #expect(execution.correlationId == "order-9")
        #expect(execution.isOpen)
    }

    @Test("an unrecoverable first failure parks at once")
    func unrecoverableParks() {
        var fixture = Fixture()
        let execution = fixture.fresh(hint: .unrecoverable)
        #expect(execution.status == .parked)
        #expect(execution.parkReason == .unrecoverable)
        #expect(execution.nextRetryAt == nil)
    }

    @Test("maxRetries 0 parks at once as exhausted")
    func zeroRetries() {
        var fixture = Fixture()
        var spec = fixture.spec
        spec.maxRetries = 0
        let execution = fixture.fresh(spec: spec)
        #expect(execution.status == .parked)
        #expect(execution.parkReason == .exhausted)
    }

    @Test("a deadline before the first retry parks at once")
    func deadlineParks() {
        var fixture = Fixture()
        var spec = fixture.spec
        spec.deadline = fixture.t0.adding(.milliseconds(500))
        let execution = fixture.fresh(spec: spec)
        #expect(execution.parkReason == .deadline)
    }
}

struct LeaseTests {
    @Test("a due execution is leased: PREPARED, retries counted, deadline from the timeout")
    func lease() throws {
        var fixture = Fixture()
        let execution = try fixture.leased(token: 7)
        #expect(execution.status == .prepared)
        #expect(execution.retries == 1)
        #expect(execution.lease == Lease(token: 7, holder: "node-1", grantedAt: fixture.at(1), until: fixture.at(6)))
        #expect(execution.nextRetryAt == nil)
    }

    @Test("a lease before the due time is refused and changes nothing")
    func notDue() {
        var fixture = Fixture()
        var execution = fixture.fresh()
        let before = execution
        #expect(throws: ModelError.notDue) {
            try execution.apply(.lease(token: 1, holder: "n"), now: fixture.at(0), random: &fixture.random)
        }
        #expect(execution == before)
    }

    @Test("a leased execution cannot be leased again")
    func noDoubleLease() throws {
        var fixture = Fixture()
        var execution = try fixture.leased()
        #expect(throws: ModelError.notAllowed(input: "lease", status: .prepared)) {
            try execution.apply(.lease(token: 2, holder: "n2"), now: fixture.at(2), random: &fixture.random)
        }
    }

    @Test("the holder extends its lease; an old token cannot")
    func extend() throws {
        var fixture = Fixture()
        var execution = try fixture.leased(token: 100)
        try execution.apply(.extendLease(token: 100, by: .seconds(30)), now: fixture.at(2), random: &fixture.random)
        #expect(execution.lease?.until == fixture.at(32))
        // A shorter extension never shortens the lease.
        try execution.apply(.extendLease(token: 100, by: .seconds(1)), now: fixture.at(3), random: &fixture.random)
        #expect(execution.lease?.until == fixture.at(32))
        #expect(throws: ModelError.stale) {
            try execution.apply(.extendLease(token: 99, by: .seconds(30)), now: fixture.at(3), random: &fixture.random)
        }
    }

    @Test("an expired lease counts as a failed attempt with a TIMEOUT error and reschedules")
    func expiry() throws {
        var fixture = Fixture()
        var execution = try fixture.leased()
        #expect(throws: ModelError.notDue) {
            try execution.apply(.expireLease, now: fixture.at(5), random: &fixture.random)
        }
        try execution.apply(.expireLease, now: fixture.at(6), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.lastError.code == leaseTimeoutErrorCode)
        #expect(execution.retries == 1)
        #expect(execution.nextRetryAt == fixture.at(8))  // 1 s · 2¹ after the expiry
        #expect(execution.lease == nil)
    }

    @Test("expiry of an execution that is not leased is refused")
    func expiryNotLeased() {
        var fixture = Fixture()
        var execution = fixture.fresh()
        #expect(throws: ModelError.notAllowed(input: "lease expiry", status: .failed)) {
            try execution.apply(.expireLease, now: fixture.at(60), random: &fixture.random)
        }
    }
}

struct ResultTests {
    @Test("a success with the current token succeeds")
    func successResult() throws {
        var fixture = Fixture()
        var execution = try fixture.leased(token: 5)
        try execution.apply(.success(leaseToken: 5), now: fixture.at(2), random: &fixture.random)
        #expect(execution.status == .succeeded)
        #expect(execution.lease == nil)
        #expect(execution.updatedAt == fixture.at(2))
    }

    @Test("a result with a token that is not current is stale and changes nothing")
    func staleResult() throws {
        var fixture = Fixture()
        var execution = try fixture.leased(token: 5)
        let before = execution
        #expect(throws: ModelError.stale) {
            try execution.apply(.success(leaseToken: 4), now: fixture.at(2), random: &fixture.random)
        }
        #expect(throws: ModelError.stale) {
            try execution.apply(.failure(fixture.failure(), leaseToken: 4), now: fixture.at(2), random: &fixture.random)
        }
        #expect(execution == before)
    }

    @Test("a late success after the lease timed out is stale")
    func lateSuccess() throws {
        var fixture = Fixture()
        var execution = try fixture.leased(token: 5)
        try execution.apply(.expireLease, now: fixture.at(6), random: &fixture.random)
        #expect(throws: ModelError.stale) {
            try execution.apply(.success(leaseToken: 5), now: fixture.at(7), random: &fixture.random)
        }
        #expect(execution.status == .failed)
    }

    @Test("a success on a SUCCEEDED execution is a duplicate")
    func duplicateSuccess() throws {
        var fixture = Fixture()
        var execution = try fixture.leased(token: 5)
        try execution.apply(.success(leaseToken: 5), now: fixture.at(2), random: &fixture.random)
        #expect(throws: ModelError.duplicate) {
            try execution.apply(.success(leaseToken: 5), now: fixture.at(3), random: &fixture.random)
        }
        #expect(throws: ModelError.duplicate) {
            try execution.apply(.success(leaseToken: nil), now: fixture.at(3), random: &fixture.random)
        }
    }

    @Test("failure results back off exponentially, then park as exhausted after maxRetries attempts")
    func exhaustion() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        var now = fixture.at(1)
        var gaps: [Int64] = []
        for token in UInt64(1)...3 {
            try execution.apply(.lease(token: token, holder: "n"), now: now, random: &fixture.random)
            try execution.apply(.failure(fixture.failure(), leaseToken: token), now: now, random: &fixture.random)
            if let due = execution.nextRetryAt {
                gaps.append(due.since(now).milliseconds)
                now = due
            }
        }
        #expect(gaps == [2000, 4000])
        #expect(execution.status == .parked)
        #expect(execution.parkReason == .exhausted)
        #expect(execution.retries == 3)
    }

    @Test("an unrecoverable failure result parks")
    func unrecoverableResult() throws {
        var fixture = Fixture()
        var execution = try fixture.leased(token: 5)
        try execution.apply(
            .failure(fixture.failure("BAD", .unrecoverable), leaseToken: 5), now: fixture.at(2), random: &fixture.random)
        #expect(execution.parkReason == .unrecoverable)
        #expect(execution.lastError.code == "BAD")
    }

    @Test("the deadline parks instead of scheduling past it")
    func deadlineOnResult() throws {
        var fixture = Fixture()
        var spec = fixture.spec
        spec.deadline = fixture.at(2)
        var execution = fixture.fresh(spec: spec)
        try execution.apply(.lease(token: 1, holder: "n"), now: fixture.at(1), random: &fixture.random)
        try execution.apply(.failure(fixture.failure(), leaseToken: 1), now: fixture.at(1), random: &fixture.random)
        #expect(execution.parkReason == .deadline)
    }
}

struct KeyReportTests {
    @Test("a later failure by key joins the execution: error updated, schedule kept, not counted")
    func failureByKey() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(.failure(fixture.failure("E2"), leaseToken: nil), now: fixture.at(0), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.lastError.code == "E2")
        #expect(execution.retries == 0)
        #expect(execution.nextRetryAt == fixture.at(1))
    }

    @Test("an unrecoverable failure by key parks a FAILED execution")
    func unrecoverableByKey() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(
            .failure(fixture.failure("E2", .unrecoverable), leaseToken: nil), now: fixture.at(0), random: &fixture.random)
        #expect(execution.parkReason == .unrecoverable)
    }

    @Test("a success by key closes FAILED, PREPARED and PARKED executions")
    func successByKey() throws {
        var fixture = Fixture()
        var failed = fixture.fresh()
        try failed.apply(.success(leaseToken: nil), now: fixture.at(0), random: &fixture.random)
        #expect(failed.status == .succeeded)
        var prepared = try fixture.leased()
        try prepared.apply(.success(leaseToken: nil), now: fixture.at(2), random: &fixture.random)
        #expect(prepared.status == .succeeded)
        var parked = fixture.fresh(hint: .unrecoverable)
        try parked.apply(.success(leaseToken: nil), now: fixture.at(2), random: &fixture.random)
        #expect(parked.status == .succeeded)
        #expect(parked.parkReason == nil)
    }

    @Test("reports on a DISCARDED execution are refused")
    func discardedRefuses() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(.discard, now: fixture.at(0), random: &fixture.random)
        #expect(throws: ModelError.notAllowed(input: "failure", status: .discarded)) {
            try execution.apply(.failure(fixture.failure(), leaseToken: nil), now: fixture.at(1), random: &fixture.random)
        }
        #expect(throws: ModelError.notAllowed(input: "success", status: .discarded)) {
            try execution.apply(.success(leaseToken: nil), now: fixture.at(1), random: &fixture.random)
        }
        #expect(throws: ModelError.stale) {
            try execution.apply(.success(leaseToken: 1), now: fixture.at(1), random: &fixture.random)
        }
    }
}
