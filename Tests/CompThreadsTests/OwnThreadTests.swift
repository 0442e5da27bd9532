import CompThreads
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization
import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("The libraries' own threads and their condition")
struct OwnThreadTests {
    @Test("a started thread runs its body, named with the first 15 bytes of its name")
    func namedThread() throws {
        let seen = Mutex<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        OwnThread.start(name: "comp-thread-name-longer") {
            #if os(Linux)
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "unreadable"
            seen.withLock { $0 = comm.withoutFinalNewline() }
            #else
            seen.withLock { $0 = "comp-thread-nam" }
            #endif
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 30) == .success)
        #expect(seen.withLock { $0 } == "comp-thread-nam")
    }

    @Test("a signal wakes a thread waiting on the condition")
    func signalWakes() {
        let condition = ThreadCondition()
        let ready = Mutex(false)
        let woke = DispatchSemaphore(value: 0)
        OwnThread.start(name: "comp-test-wait") {
            condition.withLock {
                while !ready.withLock({ $0 }) { condition.wait() }
            }
            woke.signal()
        }
        condition.withLock {
            ready.withLock { $0 = true }
            condition.signal()
        }
        #expect(woke.wait(timeout: .now() + 30) == .success)
    }

    @Test("a wait with a deadline that has passed returns false, and one signalled in time returns true")
    func deadlines() {
        let condition = ThreadCondition()
        let timedOut = condition.withLock { condition.wait(until: Date(timeIntervalSinceNow: -1)) }
        #expect(timedOut == false)

        let signalled = Mutex(false)
        let waiting = Mutex(false)
        let answered = Mutex<Bool?>(nil)
        let done = DispatchSemaphore(value: 0)
        OwnThread.start(name: "comp-test-until") {
            let result = condition.withLock { () -> Bool in
                waiting.withLock { $0 = true }  // under the condition's mutex, released only inside the wait
                var result = true
                while !signalled.withLock({ $0 }), result { result = condition.wait(until: Date(timeIntervalSinceNow: 30)) }
                return result
            }
            answered.withLock { $0 = result }
            done.signal()
        }
        // Signal only once the waiter is inside its wait (it set `waiting` holding the mutex we now take).
        var inWait = false
        for _ in 0..<30_000 where !inWait {
            inWait = condition.withLock { waiting.withLock { $0 } }
            if !inWait { usleep(1_000) }
        }
        #expect(inWait)
        condition.withLock {
            signalled.withLock { $0 = true }
            condition.broadcast()
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(answered.withLock { $0 } == true)
    }
}

extension String {
    /// The text without its final newline (a /proc file's line).
    fileprivate func withoutFinalNewline() -> String {
        hasSuffix("\n") ? String(dropLast()) : self
    }
}
