#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CompThreads
import Dispatch

/// A thread of its own with its own `BrokerConnection`, that runs blocking broker calls one at a time for
/// async callers: the caller suspends (the cooperative pool stays free) until the call ran on this thread.
///
/// A connection serves one request at a time, so each concurrent activity of the SDK (fetching, reporting,
/// extending leases) has a worker of its own.
final class BrokerWorker: @unchecked Sendable {
    // @unchecked Sendable: `jobs`, `open` and `resetRequested` are read and written only under `wake` (an ThreadCondition);
    // `connection` is used only by this worker's thread, inside the jobs it runs.
    private let wake = ThreadCondition()
    private var jobs: [(BrokerConnection?) -> Void] = []
    private var open = true
    private var resetRequested = false
    private let connect: @Sendable () throws -> BrokerConnection
    private var connection: BrokerConnection?
    private let stopped = DispatchSemaphore(value: 0)

    /// Starts the thread; the connection is made by `connect` on the first job (and again after it failed).
    init(name: String, connect: @escaping @Sendable () throws -> BrokerConnection) {
        self.connect = connect
        OwnThread.start(name: name) { [self] in
            loop()
            stopped.signal()
        }
    }

    /// Runs `body` with this worker's connection on its thread and returns what it returned.
    ///
    /// - Throws: what `body` threw; `ClientError.transport` when the connection cannot be made or the worker
    ///   was closed.
    func run<T: Sendable>(_ body: @escaping @Sendable (BrokerConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: (BrokerConnection?) -> Void = { connection in
                guard let connection else {
                    continuation.resume(throwing: ClientError.transport("the SDK's broker worker is closed or cannot connect"))
                    return
                }
                continuation.resume(with: Result { try body(connection) })
            }
            let accepted = wake.withLock {
                guard open else { return false }
                jobs.append(job)
                wake.signal()
                return true
            }
            if !accepted { job(nil) }
        }
    }

    /// Drops the connection before the next job (which makes a fresh one): for a link found dead.
    func reset() {
        wake.withLock { resetRequested = true }
    }

    /// Runs the jobs already queued, then stops the thread; returns when it has stopped.
    func close() {
        let wasOpen = wake.withLock {
            let was = open
            open = false
            wake.signal()
            return was
        }
        if wasOpen { stopped.wait() }
    }

    private func loop() {
        while true {
            let (next, drop): ([(BrokerConnection?) -> Void]?, Bool) = wake.withLock {
                while jobs.isEmpty, open { wake.wait() }
                defer { resetRequested = false }
                if jobs.isEmpty { return (nil, resetRequested) }
                defer { jobs.removeAll() }
                return (jobs, resetRequested)
            }
            if drop { connection = nil }
            guard let next else { return }
            for job in next {
                if connection == nil { connection = try? connect() }
                job(connection)
            }
        }
    }
}
