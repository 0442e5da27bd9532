import Dispatch
import Foundation
import Synchronization
import Testing

@testable import CompBroker
@testable import CompJournal

struct DurableOutboxTests {
    /// What the outbox did, in order, and a semaphore per `done(name)` effect.
    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)

        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }

        /// Waits (generously) until `count` effects signalled `done`.
        func wait(_ count: Int) -> Bool {
            (0..<count).allSatisfy { _ in done.wait(timeout: .now() + 60) == .success }
        }
    }

    @Test("a committed pass's effects run after one flush, in the order staged; a pass without a commit is not flushed")
    func flushBeforeEffects() {
        let log = Log()
        let outbox = DurableOutbox(flush: { log.add("flush") })
        outbox.start()
        outbox.stage { log.add("a"); log.done.signal() }
        outbox.stage { log.add("b"); log.done.signal() }
        outbox.post(committed: true)
        #expect(log.wait(2))
        outbox.stage { log.add("c"); log.done.signal() }
        outbox.post(committed: false)
        #expect(log.wait(1))
        outbox.finish()
        #expect(log.all == ["flush", "a", "b", "c"])
    }

    @Test("finish() posts what is still staged and sends it after a flush")
    func stagedWaitsForPost() {
        let log = Log()
        let flushes = Atomic(0)
        let outbox = DurableOutbox(flush: { flushes.add(1, ordering: .relaxed) })
        outbox.start()
        outbox.stage { log.add("first") }
        outbox.finish()
        #expect(log.all == ["first"])
        #expect(flushes.load(ordering: .relaxed) == 1)
    }

    @Test("when the flush fails, the waiting answers fail with storage_failure instead, and the next pass flushes again")
    func flushFailure() {
        let log = Log()
        let failing = Atomic(true)
        let reported = Mutex<[String]>([])
        let outbox = DurableOutbox(
            flush: {
                log.add("flush")
                if failing.load(ordering: .relaxed) { throw JournalError(code: 10, message: "disk gone") }
            },
            failed: { reason in reported.withLock { $0.append(reason) } })
        outbox.start()
        let answers = Mutex<[Result<Int, CoreError>]>([])
        let done = outbox.deferring { (result: Result<Int, CoreError>) in
            answers.withLock { $0.append(result) }
            log.done.signal()
        }
        done(.success(1))
        outbox.stage(DurableOutbox.Effect(run: { log.add("event") }, fail: { _ in log.add("event dropped") }))
        outbox.post(committed: true)
        #expect(log.wait(1))
        failing.store(false, ordering: .relaxed)
        done(.success(2))
        outbox.post(committed: true)
        #expect(log.wait(1))
        outbox.finish()
        let results = answers.withLock { $0 }
        #expect(results.count == 2)
        guard results.count == 2 else { return }
        if case .failure(.storageFailure(let reason)) = results[0] {
            #expect(reason.contains("disk gone"))
        } else {
            Issue.record("the answer waiting on the failed flush was \(results[0])")
        }
        #expect(results[1] == .success(2))
        #expect(log.all == ["flush", "event dropped", "flush"])
        #expect(reported.withLock { $0.count } == 1)
    }

    @Test("an outbox that was never started still sends everything when finished")
    func finishWithoutStart() {
        let log = Log()
        let outbox = DurableOutbox(flush: nil)
        outbox.stage { log.add("x") }
        outbox.post(committed: true)
        outbox.stage { log.add("y") }
        outbox.finish()
        #expect(log.all == ["x", "y"])
    }

    @Test("a WALSync flushes a real journal's WAL, and names the file when there is none")
    func walSync() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("walsync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/journal.sqlite"
        var missing = WALSync(databasePath: path)
        #expect(throws: JournalError.self) { try missing.sync() }
        do {
            try missing.sync()
        } catch {
            #expect(error.message.contains(path + "-wal"))
        }
        let journal = try Journal(options: JournalOptions(path: path, callerSyncsWAL: true))
        #expect(try journal.connection.pragma("synchronous") == "1")  // COMMIT leaves the flush to the caller
        _ = try journal.commit([.setPaused(service: "billing", paused: true, actor: "test")], now: .init(milliseconds: 1))
        var wal = WALSync(databasePath: path)
        try wal.sync()
        try wal.sync()  // the descriptor is kept
        journal.close()
    }
}
