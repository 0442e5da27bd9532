import Testing
@testable import CompModel

/// A forced retry (`compctl retry --force`): also from PREPARED, fencing the lease.
struct ForceRetryTests {
    @Test("a forced retry of a leased execution drops the lease, does not count the attempt, and makes it due now")
    func leased() throws {
        var fixture = Fixture()
        var execution = try fixture.leased()
        let token = try #require(execution.lease?.token)
        let retriesBefore = execution.retries
        try execution.apply(.forceRetry, now: fixture.at(2), random: &fixture.random)
        #expect(execution.status == .failed)
        #expect(execution.lease == nil)
        #expect(execution.retries == retriesBefore - 1)
        #expect(execution.nextRetryAt == fixture.at(2))
        #expect(throws: ModelError.stale) {
            try execution.apply(.success(leaseToken: token), now: fixture.at(3), random: &fixture.random)
        }
    }

    @Test("a forced retry of a FAILED execution is a plain retry; of a finished one it is refused")
    func others() throws {
        var fixture = Fixture()
        var failed = fixture.fresh()
        try failed.apply(.forceRetry, now: fixture.at(1), random: &fixture.random)
        #expect(failed.nextRetryAt == fixture.at(1))
        var discarded = fixture.fresh()
        try discarded.apply(.discard, now: fixture.at(0), random: &fixture.random)
        #expect(throws: ModelError.notAllowed(input: "forced retry", status: .discarded)) {
            try discarded.apply(.forceRetry, now: fixture.at(1), random: &fixture.random)
        }
    }

    @Test("spec refusals name the field first and durations as people write them")
    func specText() {
        #expect(throws: ModelError.invalidSpec("maxBackoff: must be in minBackoff...366d, got 1s")) {
            try RetrySpec(minBackoff: .seconds(5), maxBackoff: .seconds(1)).validate()
        }
    }
}
