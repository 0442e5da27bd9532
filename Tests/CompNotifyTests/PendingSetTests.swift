import Testing
@testable import CompNotify

struct PendingSetTests {
    @Test("the lowest first seq follows inserts out of order and removals in any order")
    func lowest() {
        var pending = PendingSet()
        #expect(pending.lowestFirstSeq == nil)
        pending.insert("s5", firstSeq: 5)
        pending.insert("s6", firstSeq: 6)
        pending.insert("digest", firstSeq: 2)  // a digest covers older rows than the singles before it
        #expect(pending.lowestFirstSeq == 2)
        #expect(pending.count == 3)
        pending.remove("s5")
        #expect(pending.lowestFirstSeq == 2)
        pending.remove("digest")
        #expect(pending.lowestFirstSeq == 6)
        pending.remove("unknown")
        #expect(pending.count == 1)
        pending.remove("s6")
        #expect(pending.lowestFirstSeq == nil)
        #expect(pending.count == 0)
    }

    @Test("thousands delivered in order keep the lowest exact (the queue compacts)")
    func manyInOrder() {
        var pending = PendingSet()
        for seq in 1...5000 { pending.insert("k\(seq)", firstSeq: Int64(seq)) }
        for seq in 1...4000 {
            pending.remove("k\(seq)")
            #expect(pending.lowestFirstSeq == Int64(seq + 1))
        }
        #expect(pending.count == 1000)
        #expect(pending.contains("k4001"))
        #expect(!pending.contains("k4000"))
    }
}
