import Testing
@testable import CompModel

struct OperatorTests {
    @Test("retry now makes a FAILED execution due now")
    func retryFailed() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(.retryNow, now: fixture.at(0), random: &fixture.random)
        #expect(execution.nextRetryAt == fixture.at(0))
    }

    @Test("retry brings an exhausted execution back for exactly one more attempt")
    func retryExhausted() throws {
        var fixture = Fixture()
        var spec = fixture.spec
        spec.maxRetries = 1
        var execution = fixture.fresh(spec: spec)
        try execution.apply(.lease(token: 1, holder: "n"), now: fixture.at(1), random: &fixture.random)
        try execution.apply(.failure(fixture.failure(), leaseToken: 1), now: fixture.at(1), random: &fixture.random)
        #expect(execution.parkReason == .exhausted)
        try execution.apply(.retryNow, now: fixture.at(2), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.parkReason == nil)
        #expect(execution.nextRetryAt == fixture.at(2))
        try execution.apply(.lease(token: 2, holder: "n"), now: fixture.at(2), random: &fixture.random)
        try execution.apply(.failure(fixture.failure(), leaseToken: 2), now: fixture.at(2), random: &fixture.random)
        #expect(execution.parkReason == .exhausted)
        #expect(execution.retries == 2)
    }

    @Test("retry is refused while leased and once finished")
    func retryRefused() throws {
        var fixture = Fixture()
        var leased = try fixture.leased()
        #expect(throws: ModelError.notAllowed(input: "retry", status: .prepared)) {
            try leased.apply(.retryNow, now: fixture.at(2), random: &fixture.random)
        }
        var discarded = fixture.fresh()
        try discarded.apply(.discard, now: fixture.at(0), random: &fixture.random)
        #expect(throws: ModelError.notAllowed(input: "retry", status: .discarded)) {
            try discarded.apply(.retryNow, now: fixture.at(2), random: &fixture.random)
        }
        var succeeded = fixture.fresh()
        try succeeded.apply(.success(leaseToken: nil), now: fixture.at(0), random: &fixture.random)
        #expect(throws: ModelError.notAllowed(input: "retry", status: .succeeded)) {
            try succeeded.apply(.retryNow, now: fixture.at(2), random: &fixture.random)
        }
    }

    @Test("apply-spec replaces the spec and reschedules from now")
    func applySpecReschedules() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        var spec = fixture.spec
        spec.minBackoff = .seconds(30)
        spec.maxBackoff = .seconds(30)
        try execution.apply(.applySpec(spec), now: fixture.at(0), random: &fixture.random)
        #expect(execution.spec == spec)
        #expect(execution.nextRetryAt == fixture.at(30))
    }

    @Test("apply-spec with more retries unparks an exhausted execution")
    func applySpecUnparks() throws {
        var fixture = Fixture()
        var spec = fixture.spec
        spec.maxRetries = 0
        var execution = fixture.fresh(spec: spec)
        #expect(execution.parkReason == .exhausted)
        spec.maxRetries = 2
        try execution.apply(.applySpec(spec), now: fixture.at(0), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.nextRetryAt == fixture.at(1))
    }

    @Test("apply-spec keeps a lease in flight and an unrecoverable park, and rejects bad specs")
    func applySpecKeeps() throws {
        var fixture = Fixture()
        var leased = try fixture.leased()
        let lease = leased.lease
        var spec = fixture.spec
        spec.maxRetries = 9
        try leased.apply(.applySpec(spec), now: fixture.at(2), random: &fixture.random)
        #expect(leased.status == .prepared)
        #expect(leased.lease == lease)
        var parked = fixture.fresh(hint: .unrecoverable)
        try parked.apply(.applySpec(spec), now: fixture.at(2), random: &fixture.random)
        #expect(parked.parkReason == .unrecoverable)
        spec.jitterPermille = 5000
        #expect(throws: ModelError.self) {
            try parked.apply(.applySpec(spec), now: fixture.at(2), random: &fixture.random)
        }
    }

    @Test("marking unrecoverable parks; marking recoverable unparks; the same mark twice is unchanged")
    func marks() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(.mark(.unrecoverable), now: fixture.at(0), random: &fixture.random)
        #expect(execution.parkReason == .unrecoverable)
        #expect(execution.markedByOperator)
        #expect(throws: ModelError.unchanged) {
            try execution.apply(.mark(.unrecoverable), now: fixture.at(0), random: &fixture.random)
        }
        try execution.apply(.mark(.recoverable), now: fixture.at(0), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.recoverable == .recoverable)
    }

    @Test("an operator's mark survives a later unknown hint, but not an explicit one")
    func markSurvivesUnknown() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(.mark(.recoverable), now: fixture.at(0), random: &fixture.random)
        try execution.apply(.lease(token: 1, holder: "n"), now: fixture.at(1), random: &fixture.random)
        try execution.apply(.failure(fixture.failure("E", .unknown), leaseToken: 1), now: fixture.at(1), random: &fixture.random)
        #expect(execution.recoverable == .recoverable)
        #expect(execution.markedByOperator)
        try execution.apply(
            .failure(fixture.failure("E", .unrecoverable), leaseToken: nil), now: fixture.at(1), random: &fixture.random)
        #expect(execution.recoverable == .unrecoverable)
        #expect(!execution.markedByOperator)
        #expect(execution.parkReason == .unrecoverable)
    }

    @Test("change function retargets FAILED and PARKED executions, not leased ones, not to the same function")
    func changeFunction() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(.changeFunction("chargeV2"), now: fixture.at(0), random: &fixture.random)
        #expect(execution.key.function == "chargeV2")
        #expect(throws: ModelError.unchanged) {
            try execution.apply(.changeFunction("chargeV2"), now: fixture.at(0), random: &fixture.random)
        }
        var leased = try fixture.leased()
        #expect(throws: ModelError.notAllowed(input: "change-function", status: .prepared)) {
            try leased.apply(.changeFunction("x"), now: fixture.at(2), random: &fixture.random)
        }
    }

    @Test("park holds a FAILED execution by hand")
    func park() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(.park, now: fixture.at(0), random: &fixture.random)
        #expect(execution.parkReason == .manual)
        #expect(throws: ModelError.unchanged) {
            try execution.apply(.park, now: fixture.at(0), random: &fixture.random)
        }
        var leased = try fixture.leased()
        #expect(throws: ModelError.notAllowed(input: "park", status: .prepared)) {
            try leased.apply(.park, now: fixture.at(2), random: &fixture.random)
        }
    }

    @Test("discard ends FAILED, PREPARED and PARKED executions; a later result is stale; discard twice is refused")
    func discard() throws {
        var fixture = Fixture()
        var leased = try fixture.leased(token: 8)
        try leased.apply(.discard, now: fixture.at(2), random: &fixture.random)
        #expect(leased.status == .discarded)
        #expect(!leased.isOpen)
        #expect(throws: ModelError.stale) {
            try leased.apply(.success(leaseToken: 8), now: fixture.at(3), random: &fixture.random)
        }
        #expect(throws: ModelError.notAllowed(input: "discard", status: .discarded)) {
            try leased.apply(.discard, now: fixture.at(3), random: &fixture.random)
        }
        var parked = fixture.fresh(hint: .unrecoverable)
        try parked.apply(.discard, now: fixture.at(2), random: &fixture.random)
        #expect(parked.status == .discarded)
    }

    @Test("operator actions on a finished execution are refused")
    func finishedRefuses() throws {
        var fixture = Fixture()
        var execution = fixture.fresh()
        try execution.apply(.success(leaseToken: nil), now: fixture.at(0), random: &fixture.random)
        for input: ExecutionInput in [.applySpec(fixture.spec), .mark(.recoverable), .changeFunction("g"), .park, .discard] {
            #expect(throws: ModelError.notAllowed(input: input.name, status: .succeeded)) {
                try execution.apply(input, now: fixture.at(1), random: &fixture.random)
            }
        }
    }
}
