import Testing
@testable import CompModel

struct BackoffTests {
    let spec = RetrySpec(
        maxRetries: 10, minBackoff: .seconds(1), maxBackoff: .seconds(60),
        executionTimeout: .seconds(5), jitterPermille: 0)

    @Test("the delay doubles from minBackoff and stops at the cap")
    func doublesThenCaps() {
        let delays = (0..<9).map { Backoff.baseDelay(retries: $0, spec: spec).milliseconds }
        #expect(delays == [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000])
    }

    @Test("huge retry counts and huge backoffs saturate at the cap without overflow")
    func noOverflow() {
        var big = spec
        big.minBackoff = RetrySpec.spanLimit
        big.maxBackoff = RetrySpec.spanLimit
        for retries in [62, 63, 64, 1000, Int.max] {
            #expect(Backoff.baseDelay(retries: retries, spec: spec) == .seconds(60))
            #expect(Backoff.baseDelay(retries: retries, spec: big) == RetrySpec.spanLimit)
        }
        var wild = spec
        wild.minBackoff = TimeSpan(milliseconds: .max / 3)
        wild.maxBackoff = TimeSpan(milliseconds: .max)
        #expect(Backoff.baseDelay(retries: 5, spec: wild) == TimeSpan(milliseconds: .max))
        #expect(Timestamp(milliseconds: 10).adding(TimeSpan(milliseconds: .max)) == .distantFuture)
    }

    @Test("a zero minBackoff retries at once")
    func zeroBackoff() {
        var zero = spec
        zero.minBackoff = .zero
        #expect(Backoff.baseDelay(retries: 7, spec: zero) == .zero)
    }

    @Test("jitter only shortens, stays within its fraction, and is reproducible from the seed")
    func jitterBounds() {
        var jittered = spec
        jittered.jitterPermille = 250
        var random = SplitMix64(seed: 42)
        var seen = Set<Int64>()
        for retries in 0..<8 {
            let base = Backoff.baseDelay(retries: retries, spec: jittered).milliseconds
            for _ in 0..<50 {
                let delay = Backoff.delay(retries: retries, spec: jittered, random: &random).milliseconds
                #expect(delay <= base)
                #expect(delay >= base - base / 4)
                seen.insert(delay)
            }
        }
        #expect(seen.count > 100)
        var first = SplitMix64(seed: 7)
        var second = SplitMix64(seed: 7)
        #expect(
            Backoff.delay(retries: 3, spec: jittered, random: &first)
                == Backoff.delay(retries: 3, spec: jittered, random: &second))
    }

    @Test("no jitter gives the exact delay")
    func noJitter() {
        var random = SplitMix64(seed: 1)
        #expect(Backoff.delay(retries: 2, spec: spec, random: &random) == .seconds(4))
    }
}

struct RetrySpecTests {
    @Test("the defaults are 10 retries, 180 s, a 2 h cap, a 120 s lease and valid")
    func defaults() throws {
        let spec = RetrySpec.standard
        #expect(spec.maxRetries == 10)
        #expect(spec.minBackoff == .seconds(180))
        #expect(spec.maxBackoff == .seconds(7200))
        #expect(spec.executionTimeout == .seconds(120))
        try spec.validate()
    }

    @Test("each out-of-range field is rejected with its name")
    func validation() {
        let cases: [(RetrySpec, String)] = [
            (RetrySpec(maxRetries: -1), "maxRetries"),
            (RetrySpec(maxRetries: RetrySpec.maxRetriesLimit + 1), "maxRetries"),
            (RetrySpec(minBackoff: .milliseconds(-1)), "minBackoff"),
            (RetrySpec(minBackoff: .seconds(10), maxBackoff: .seconds(5)), "maxBackoff"),
            (RetrySpec(executionTimeout: .zero), "executionTimeout"),
            (RetrySpec(jitterPermille: 1001), "jitterPermille"),
        ]
        for (spec, field) in cases {
            #expect {
                try spec.validate()
            } throws: { error in
                guard case ModelError.invalidSpec(let text) = error else { return false }
                return text.hasPrefix(field)
            }
        }
    }

    @Test("an override replaces only the fields it sets, and lifts a default cap below a larger minBackoff")
    func merging() {
        let merged = RetrySpec.standard.merging(RetrySpecOverride(maxRetries: 3, minBackoff: .seconds(3 * 3600)))
        #expect(merged.maxRetries == 3)
        #expect(merged.minBackoff == .seconds(3 * 3600))
        #expect(merged.maxBackoff == .seconds(3 * 3600))
        #expect(merged.executionTimeout == RetrySpec.standard.executionTimeout)
        #expect(RetrySpec.standard.merging(RetrySpecOverride()) == RetrySpec.standard)
        #expect(RetrySpecOverride().isEmpty)
    }
}

struct IdentityTests {
    @Test("record ids round-trip through 16 bytes and print as hex")
    func recordIdBytes() throws {
        let id = RecordID(high: 0x0102_0304_0506_0708, low: 0x090a_0b0c_0d0e_0f10)
        let again = try #require(RecordID(bytes: id.bytes))
        #expect(again == id)
        #expect(id.description == "0102030405060708090a0b0c0d0e0f10")
        #expect(RecordID(bytes: [1, 2, 3]) == nil)
    }

    @Test("time-ordered ids sort by time and carry the version 7 layout")
    func timeOrdered() {
        var random = SplitMix64(seed: 3)
        let early = RecordID.timeOrdered(at: Timestamp(milliseconds: 1_000), using: &random)
        let late = RecordID.timeOrdered(at: Timestamp(milliseconds: 2_000), using: &random)
        #expect(early.high < late.high)
        #expect((early.high >> 12) & 0xF == 7)
        #expect(early.low >> 62 == 0b10)
    }

    @Test("the key hash is stable and separates the parts")
    func keyHash() {
        let key = ExecutionKey(service: "orders", processor: "p", function: "f", eventId: "e1")
        #expect(key.stableHash == ExecutionKey(service: "orders", processor: "p", function: "f", eventId: "e1").stableHash)
        #expect(key.stableHash != ExecutionKey(service: "order", processor: "sp", function: "f", eventId: "e1").stableHash)
        #expect(key.stableHash == 6_442_923_588_532_051_828)  // FNV-1a 64, computed independently
    }
}

struct SpecializedEntryTests {
    /// SplitMix64 seen only as `some RandomNumberGenerator`: calls through it take the generic entry points.
    struct Opaque: RandomNumberGenerator {
        var inner: SplitMix64
        mutating func next() -> UInt64 { inner.next() }
    }

    @Test("create and apply with SplitMix64 give the same executions as the generic entry points, jitter included")
    func sameValues() throws {
        let key = ExecutionKey(service: "orders", processor: "main", function: "ship", eventId: "e-1")
        let now = Timestamp(milliseconds: 1_700_000_000_000)
        let failure = FailureReport(error: ErrorInfo(code: "DB", message: "down"), occurredAt: now)
        let spec = RetrySpec(maxRetries: 20, minBackoff: .seconds(1), maxBackoff: .seconds(600), jitterPermille: 500)
        for seed in [UInt64(1), 7, 42, 1 << 40, .max] {
            var concrete = SplitMix64(seed: seed)
            var generic = Opaque(inner: SplitMix64(seed: seed))
            var a = Execution.create(
                id: 1, key: key, correlationId: "c", failure: failure, spec: spec, payload: [1], now: now, random: &concrete)
            var b = Execution.create(
                id: 1, key: key, correlationId: "c", failure: failure, spec: spec, payload: [1], now: now, random: &generic)
            #expect(a == b && a.nextRetryAt != nil)
            // Lease, fail, and reschedule a few times: each reschedule draws jitter.
            for round in 0..<5 {
                let at = now.adding(.seconds(Int64(3600 * (round + 1))))
                let token = UInt64(100 + round)
                try a.apply(.lease(token: token, holder: "w"), now: at, random: &concrete)
                try b.apply(.lease(token: token, holder: "w"), now: at, random: &generic)
                try a.apply(.failure(failure, leaseToken: token), now: at, random: &concrete)
                try b.apply(.failure(failure, leaseToken: token), now: at, random: &generic)
                #expect(a == b, "seed \(seed), round \(round)")
            }
        }
    }
}
