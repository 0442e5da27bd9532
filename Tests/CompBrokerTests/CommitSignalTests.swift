import Foundation
import Synchronization
import Testing

@testable import CompBroker

struct CommitSignalTests {
    @Test("a wait for a seq already passed returns at once; a wait beyond the head returns when a commit passes it")
    func asyncWait() async {
        let signal = CommitSignal()
        signal.committed(5)
        await signal.waitBeyond(4, timeout: .seconds(3600))  // already beyond: returns without a commit
        #expect(signal.committedSeq == 5)
        async let waited: Void = signal.waitBeyond(5, timeout: .seconds(3600))
        // Commit until the waiter is woken (it may register after the first commit: then that commit already
        // passed its seq and it returns at once).
        signal.committed(6)
        await waited
        #expect(signal.committedSeq == 6)
    }

    @Test("a wait with nothing committed ends at its timeout")
    func asyncTimeout() async {
        let signal = CommitSignal()
        await signal.waitBeyond(0, timeout: .milliseconds(20))
        #expect(signal.committedSeq == 0)
    }

    @Test("a thread blocked on the signal wakes on a commit, and a lower or equal seq changes nothing")
    func blockingWait() async {
        let signal = CommitSignal()
        signal.committed(10)
        signal.committed(3)
        #expect(signal.committedSeq == 10)
        let woke = Atomic<Bool>(false)
        let thread = Thread {
            signal.blockingWaitBeyond(10, timeout: .seconds(3600))
            woke.store(true, ordering: .sequentiallyConsistent)
        }
        thread.start()
        var seq: Int64 = 10
        let deadline = ContinuousClock.now + .seconds(30)
        while !woke.load(ordering: .sequentiallyConsistent), ContinuousClock.now < deadline {
            seq += 1
            signal.committed(seq)
            try? await Task.sleep(for: .milliseconds(5))
        }
        let didWake = woke.load(ordering: .sequentiallyConsistent)
        #expect(didWake)
    }

    @Test("a blocked thread whose timeout runs out returns with nothing committed")
    func blockingTimeout() {
        let signal = CommitSignal()
        signal.blockingWaitBeyond(0, timeout: .milliseconds(20))
        #expect(signal.committedSeq == 0)
    }
}
