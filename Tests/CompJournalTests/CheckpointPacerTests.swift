import CompJournal
import Testing

struct CheckpointPacerTests {
    @Test("while the WAL grows the pacer waits the busy interval; once it stops, it doubles up to the idle interval")
    func busyThenIdle() {
        var pacer = CheckpointPacer(idleMilliseconds: 200, busyMilliseconds: 10)
        #expect(pacer.next(walFrames: 0) == 200)  // nothing written yet
        #expect(pacer.next(walFrames: 120) == 10)
        #expect(pacer.next(walFrames: 480) == 10)
        #expect(pacer.next(walFrames: 30) == 10)  // the WAL restarted from its beginning and grew again
        #expect(pacer.next(walFrames: 30) == 20)  // unchanged: doubling
        #expect(pacer.next(walFrames: 30) == 40)
        #expect(pacer.next(walFrames: 30) == 80)
        #expect(pacer.next(walFrames: 30) == 160)
        #expect(pacer.next(walFrames: 30) == 200)
        #expect(pacer.next(walFrames: 30) == 200)
        #expect(pacer.next(walFrames: 31) == 10)
    }

    @Test("a failed checkpoint (-1 frames) backs off, and the intervals are clamped")
    func failedAndClamped() {
        var pacer = CheckpointPacer(idleMilliseconds: 100, busyMilliseconds: 10)
        #expect(pacer.next(walFrames: 50) == 10)
        #expect(pacer.next(walFrames: -1) == 20)
        #expect(pacer.next(walFrames: -1) == 40)
        let clamped = CheckpointPacer(idleMilliseconds: 3, busyMilliseconds: 50)
        #expect(clamped.idleMilliseconds == 10 && clamped.busyMilliseconds == 10)
        #expect(CheckpointPacer(idleMilliseconds: 200, busyMilliseconds: 0).busyMilliseconds == 1)
    }
}
