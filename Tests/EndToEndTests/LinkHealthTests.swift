import CompClient
import CompModel
import Testing

/// The link decision as a value: beats and times in, states and delays out.
struct LinkHealthTests {
    @Test("answered beats make the link alive; misses make it suspect, the limit-th in a row dead")
    func states() {
        var health = LinkHealth(interval: .milliseconds(200), missedLimit: 3)
        #expect(health.state == .unknown)
        #expect(health.answered(at: 1000) == .alive)
        #expect(health.answered(at: 1200) == nil)
        #expect(health.missed() == .suspect)
        #expect(health.missed() == nil)
        #expect(health.state == .suspect)
        #expect(health.answered(at: 1800) == .alive)  // an answer clears the misses
        #expect(health.missed() == .suspect)
        #expect(health.missed() == nil)
        #expect(health.missed() == .dead)
        #expect(health.missedInRow == 3)
        #expect(health.missed() == nil)
        #expect(health.state == .dead)
        #expect(health.answered(at: 5000) == .alive)
        #expect(health.missedInRow == 0)
        #expect(health.lastAnsweredAt == 5000)
    }

    @Test("a link that never answered is dead after the limit of misses")
    func neverAnswered() {
        var health = LinkHealth(interval: .seconds(1), missedLimit: 1)
        #expect(health.missed() == .dead)
        var two = LinkHealth(interval: .seconds(1), missedLimit: 2)
        #expect(two.missed() == .suspect)
        #expect(two.missed() == .dead)
    }

    @Test("beats go out every interval until dead, then after jittered backoff delays that grow and stay under the cap")
    func delays() {
        var random = SplitMix64(seed: 7)
        var health = LinkHealth(interval: .milliseconds(500), missedLimit: 2,
                                backoff: ReconnectBackoff(first: .milliseconds(100), cap: .seconds(2)))
        #expect(health.delayBeforeNextBeat(random: &random) == .milliseconds(500))
        _ = health.missed()
        #expect(health.delayBeforeNextBeat(random: &random) == .milliseconds(500))
        _ = health.missed()
        #expect(health.state == .dead)
        #expect(health.delayBeforeNextBeat(random: &random) <= .milliseconds(100))
        for _ in 0..<20 { _ = health.missed() }
        var distinct = Set<Duration>()
        for _ in 0..<50 {
            let delay = health.delayBeforeNextBeat(random: &random)
            #expect(delay <= .seconds(2))
            #expect(delay >= .milliseconds(1))
            distinct.insert(delay)
        }
        #expect(distinct.count > 10)  // jittered: a fleet does not beat in step
        _ = health.answered(at: 0)
        #expect(health.delayBeforeNextBeat(random: &random) == .milliseconds(500))
    }

    @Test("the dead bound is (limit + 1) intervals; an adopted interval changes it and keeps the state")
    func bound() {
        var health = LinkHealth(interval: .milliseconds(200), missedLimit: 3)
        #expect(health.deadBound == .milliseconds(800))
        _ = health.missed()
        health.adopt(interval: .seconds(10))
        #expect(health.deadBound == .seconds(40))
        #expect(health.state == .suspect)
        #expect(health.missedInRow == 1)
        health.adopt(interval: .zero)
        #expect(health.interval == .milliseconds(1))
    }
}
