@testable import CompBroker
import CompModel
import CompWire
import Testing

/// Records made before the dedupe window are refused with `record_too_old`; others pass.
struct DedupeWindowTests {
    private let window = DedupeWindow(retention: .seconds(7 * 24 * 3600))
    private let now = Timestamp(milliseconds: 1_800_000_000_000)

    private func id(madeAgo milliseconds: Int64) -> UInt128 {
        var random = SplitMix64(seed: 7)
        return RecordID.timeOrdered(at: Timestamp(milliseconds: now.milliseconds - milliseconds), using: &random).value
    }

    @Test("a UUIDv7 id older than the retention less the skew margin is refused, naming the field and the window")
    func old() throws {
        let rejection = try #require(window.rejection(of: id(madeAgo: 30 * 86_400_000), now: now))
        #expect(rejection.code == .recordTooOld)
        #expect(rejection.detail.hasPrefix("id: made 30d ago, before the broker's dedupe window of 167h"))
        #expect(window.rejection(of: id(madeAgo: 7 * 86_400_000 - 3_600_000 + 1), now: now) != nil)
    }

    @Test("an id inside the window, from the future, or not a UUIDv7 is never refused for age")
    func accepted() {
        #expect(window.rejection(of: id(madeAgo: 7 * 86_400_000 - 3_600_000), now: now) == nil)
        #expect(window.rejection(of: id(madeAgo: 0), now: now) == nil)
        #expect(window.rejection(of: id(madeAgo: -86_400_000), now: now) == nil)
        #expect(window.rejection(of: 1, now: now) == nil)
        // The time bits of an old v7 id, but version 4: carries no time.
        let version4 = id(madeAgo: 30 * 86_400_000) & ~(UInt128(0xF) << 76) | (UInt128(4) << 76)
        #expect(window.rejection(of: version4, now: now) == nil)
    }

    @Test("the shortest retention still leaves a window of 23 hours")
    func shortest() {
        let shortest = DedupeWindow(retention: .seconds(24 * 3600))
        #expect(shortest.acceptedAge.milliseconds == 23 * 3_600_000)
        #expect(shortest.rejection(of: id(madeAgo: 22 * 3_600_000), now: now) == nil)
        #expect(shortest.rejection(of: id(madeAgo: 24 * 3_600_000), now: now)?.code == .recordTooOld)
    }
}
