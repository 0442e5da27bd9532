import CompModel
import Testing

struct DeadlineTests {
    @Test("a deadline of now has passed; a later one has not, and has at most its length left")
    func remaining() {
        #expect(Deadline(inMilliseconds: 0).hasPassed)
        #expect(Deadline(inMilliseconds: -5).remainingMilliseconds <= 0)
        let later = Deadline(inMilliseconds: 3_600_000)
        #expect(!later.hasPassed)
        #expect(later.remainingMilliseconds > 0)
        #expect(later.remainingMilliseconds <= 3_600_000)
    }
}
