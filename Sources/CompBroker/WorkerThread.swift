import CompThreads
import Dispatch
import Synchronization

/// A dedicated thread with a stop flag: `stop()` before `start()` returns at once and the thread then
/// never runs; `stop()` after `start()` waits until the body has returned.
final class WorkerThread: Sendable {
    private enum Phase {
        case idle
        case running(DispatchSemaphore)
        case stopped
    }

    private let name: String
    private let phase = Mutex(Phase.idle)
    private let running = Mutex(true)

    init(name: String) { self.name = name }

    /// Runs `body` on a new thread; it should return soon after its argument returns false.
    func start(_ body: @escaping @Sendable (@Sendable () -> Bool) -> Void) {
        let finished = DispatchSemaphore(value: 0)
        let started = phase.withLock { phase -> Bool in
            guard case .idle = phase else { return false }
            phase = .running(finished)
            return true
        }
        guard started else { return }
        OwnThread.start(name: name) { [self] in  // named for the OS, unlike Foundation's Thread
            body { self.running.withLock { $0 } }
            finished.signal()
        }
    }

    /// Asks the body to return and waits until it has.
    func stop() {
        running.withLock { $0 = false }
        let finished: DispatchSemaphore? = phase.withLock { phase in
            defer { phase = .stopped }
            if case .running(let finished) = phase { return finished }
            return nil
        }
        finished?.wait()
    }
}
