import CompJournal
import CompModel
import CompThreads
import Foundation
import Logging
import Synchronization

/// The broker's core: the only owner of the store. It runs on one dedicated thread (`CoreLoop`) and
/// does, in one loop, group commit of everything waiting, scheduling, dispatch to held fetches and
/// operator actions. Work reaches it through the `Inbox`, each piece with a typed completion; nothing
/// here blocks Swift's cooperative pool.
final class Core: Sendable {
    private enum Phase {
        case idle
        case running(DispatchSemaphore)
        case stopped
    }

    /// Ids per operator-action slice: a bulk action is applied in slices of at most this many, one per
    /// group commit, interleaved with ingest.
    static let maxIdsPerSlice = 1000

    private let inbox: Inbox
    private let phase = Mutex(Phase.idle)

    init(maxQueuedRecords: Int = 100_000) {
        inbox = Inbox(maxQueuedRecords: maxQueuedRecords)
    }

    /// Starts the core thread, which opens the store and builds its state; returns once that is done.
    ///
    /// - Parameter makeLoop: opens the store and builds the loop, on the core thread.
    /// - Throws: what `makeLoop` threw (nothing is running then), or `.shuttingDown` after `stop()`.
    func start(_ makeLoop: @escaping @Sendable () throws -> CoreLoop) throws {
        let finished = DispatchSemaphore(value: 0)
        let ready = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        try phase.withLock { phase in
            guard case .idle = phase else { throw CoreError.shuttingDown }
            phase = .running(finished)
        }
        let inbox = self.inbox
        // OwnThread names the OS thread (`compd-core` in `top -H` and perf); Foundation's `Thread.name` does not.
        OwnThread.start(name: "compd-core") {
            defer { finished.signal() }
            let loop: CoreLoop
            do {
                loop = try makeLoop()
            } catch {
                failure.withLock { $0 = error }
                ready.signal()
                return
            }
            ready.signal()
            loop.run(inbox)
        }
        ready.wait()
        if let error = failure.withLock({ $0 }) {
            phase.withLock { $0 = .stopped }
            inbox.close()
            throw error
        }
    }

    /// Queues work; returns why it was refused (and completes nothing) when the core is overloaded or
    /// stopping.
    func submit(_ work: CoreWork) -> CoreError? {
        inbox.push(work)
    }

    /// Queues work and waits for its result, for Swift callers (HTTP, tests).
    func perform<Value: Sendable>(_ make: (@escaping Completion<Value>) -> CoreWork) async -> Result<Value, CoreError> {
        await withCheckedContinuation { continuation in
            let work = make { continuation.resume(returning: $0) }
            if let refusal = submit(work) { continuation.resume(returning: .failure(refusal)) }
        }
    }

    /// Records queued for the core and not yet taken.
    var queuedRecords: Int { inbox.queuedRecords }

    /// Journals records; one result per record.
    func record(_ records: [IncomingRecord]) async -> Result<[RecordResult], CoreError> {
        await perform { .records(records, $0) }
    }

    /// Holds a fetch until commands are due or its wait ends.
    func fetch(_ arrival: FetchArrival) async -> Result<[LeasedCommand], CoreError> {
        await perform { .fetch(arrival, $0) }
    }

    /// Stops taking work, lets the core commit and answer what it has, answer held fetches and close
    /// the store; waits until it has. Before `start()` it only marks the core stopped (no wait).
    func stop() {
        inbox.close()
        let finished: DispatchSemaphore? = phase.withLock { phase in
            defer { phase = .stopped }
            if case .running(let finished) = phase { return finished }
            return nil
        }
        finished?.wait()
    }
}
