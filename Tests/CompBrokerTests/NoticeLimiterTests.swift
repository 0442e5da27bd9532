@testable import CompBroker
import Testing

struct NoticeLimiterTests {
    @Test("at most the limit of lines per kind in a window; the rest are counted and summarised once it ends")
    func limitsAndSummarises() {
        var limiter = NoticeLimiter<String>(linesPerWindow: 3, windowMilliseconds: 1000)
        let decisions = (0..<5).map { limiter.admit("park", at: 100 + Int64($0)) }
        #expect(decisions.map(\.log) == [true, true, true, false, false])
        #expect(decisions.allSatisfy { $0.summary == nil })
        #expect(limiter.hasSuppressed)
        // Another kind has its own budget.
        #expect(limiter.admit("lease", at: 200).log)
        // Nothing has ended before 1000 ms have passed.
        #expect(limiter.ended(at: 1099).isEmpty)
        #expect(limiter.ended(at: 1100) == [.init(kind: "park", suppressed: 2, windowMilliseconds: 1000)])
        #expect(!limiter.hasSuppressed)
        // The lease window ends with nothing left out: no summary, and the park window is gone.
        #expect(limiter.ended(at: 5000).isEmpty)
    }

    @Test("the first line of a new window brings the summary of the previous one")
    func summaryOnNextLine() {
        var limiter = NoticeLimiter<String>(linesPerWindow: 1, windowMilliseconds: 1000)
        #expect(limiter.admit("reject", at: 0).log)
        #expect(!limiter.admit("reject", at: 10).log)
        #expect(!limiter.admit("reject", at: 20).log)
        let next = limiter.admit("reject", at: 1000)
        #expect(next.log)
        #expect(next.summary == .init(kind: "reject", suppressed: 2, windowMilliseconds: 1000))
        #expect(limiter.ended(at: 2000).isEmpty)
    }
}
