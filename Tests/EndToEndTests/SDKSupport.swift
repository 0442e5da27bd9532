import CompClient
import Foundation
import Testing

/// A dependency that timed out (the SDK tests' recoverable error).
struct DependencyTimeout: Error, CustomStringConvertible {
    var description: String { "the stock service did not answer in time" }
}

/// An order that can never be processed (the SDK tests' unrecoverable error).
struct InvalidOrder: Error, CustomStringConvertible {
    let reason: String
    var description: String { "invalid order: \(reason)" }
}

/// Polls `condition` every 10 ms (suspending, not blocking) until it holds or `seconds` pass.
func eventuallyAsync(_ seconds: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// A SDK client on `broker`'s request address.
func sdkClient(_ broker: BrokerProcess, enabled: Bool = true, batchSize: Int = 100,
               batchDelay: Duration = .milliseconds(5)) throws -> CompensationClient {
    try CompensationClient(address: broker.listen, enabled: enabled, batchSize: batchSize, batchDelay: batchDelay)
}

/// Threads of the SDK tests' own, as a `TaskExecutor`: the suite's many synchronous tests block the cooperative
/// pool (two threads on a two-core machine) for seconds at a time, which would delay the SDK's tasks (a lease's
/// next extension, a handler's wake-up) past the short leases these tests use. Tasks that prefer this executor
/// (and their child tasks) run here instead.
final class SDKTestExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: `jobs` is read and written only under `wake` (an NSCondition).
    private let wake = NSCondition()
    private var jobs: [UnownedJob] = []

    /// Starts `threads` threads that run the jobs enqueued here.
    init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [self] in
                while true {
                    let job = wake.withLock {
                        while jobs.isEmpty { wake.wait() }
                        return jobs.removeFirst()
                    }
                    job.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            thread.name = "sdk-test-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        wake.withLock {
            jobs.append(job)
            wake.signal()
        }
    }
}

/// The SDK tests' executor (its threads live as long as the test process).
let sdkTestExecutor = SDKTestExecutor(threads: 4)

/// Runs `body` on the SDK tests' own threads (see `SDKTestExecutor`).
func onSDKThreads<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(sdkTestExecutor) { try await body() }
}

/// Runs `body` on the SDK tests' threads (see `onSDKThreads`) with a fresh compd on its own data directory and an
/// SDK client on it (`sdkClient`'s options). Afterwards the client is closed, compd is stopped (if `body` left it
/// running) and must exit 0, and the directory is removed.
func withSDKBroker(batchSize: Int = 100, batchDelay: Duration = .milliseconds(5),
                   _ body: @Sendable (BrokerProcess, CompensationClient) async throws -> Void) async throws {
    try await onSDKThreads {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        defer { broker.stop(signal: SIGKILL) }  // only when the body threw before the clean stop below
        let client = try sdkClient(broker, batchSize: batchSize, batchDelay: batchDelay)
        defer { client.close() }
        try await body(broker, client)
        if broker.process != nil { #expect(broker.stop() == 0) }
    }
}
