import CompWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CompThreads
import Dispatch
import Synchronization

/// Collects the result records of handlers in flight and sends them together: a flush goes out when
/// `maxRecords` are waiting, or `delay` after the first one arrived, as one `RecordBatch` (split only when
/// the records do not fit one frame), on a thread and connection of its own. Each caller gets its own
/// record's outcome.
final class ResultBatcher: @unchecked Sendable {
    // @unchecked Sendable: `waiting` and `open` are read and written only under `wake` (an ThreadCondition);
    // `reporter` is used only by this batcher's thread.
    private struct Waiting {
        var record: Record
        var continuation: CheckedContinuation<RecordOutcome, any Error>
    }

    private let wake = ThreadCondition()
    private var waiting: [Waiting] = []
    private var open = true
    private let connect: @Sendable () throws -> BrokerConnection
    private let maxRecords: Int
    private let delay: Duration
    private let stopped = DispatchSemaphore(value: 0)
    private let sentBatches = Atomic<Int>(0)
    private let sentRecords = Atomic<Int>(0)

    /// Starts the thread.
    ///
    /// - Parameters:
    ///   - maxRecords: a flush goes out when this many records wait.
    ///   - delay: a flush goes out this long after its first record arrived.
    ///   - connect: makes the batcher's connection (on its thread, at the first flush and after a failure).
    init(maxRecords: Int, delay: Duration, connect: @escaping @Sendable () throws -> BrokerConnection) {
        self.maxRecords = min(max(1, maxRecords), WireLimits.maxBatchRecords)
        self.delay = delay
        self.connect = connect
        OwnThread.start(name: "comp-sdk-results") { [self] in
            loop()
            stopped.signal()
        }
    }

    /// How many `RecordBatch` requests carried results so far.
    var batchesSent: Int { sentBatches.load(ordering: .relaxed) }

    /// How many result records were acknowledged so far.
    var recordsSent: Int { sentRecords.load(ordering: .relaxed) }

    /// Sends `record` with the next flush and returns its outcome.
    ///
    /// - Throws: `ClientError` when its batch got no acknowledgement, or the batcher is closed.
    func send(_ record: Record) async throws -> RecordOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = wake.withLock {
                guard open else { return false }
                waiting.append(Waiting(record: record, continuation: continuation))
                wake.signal()
                return true
            }
            if !accepted { continuation.resume(throwing: ClientError.transport("the SDK's result batcher is closed")) }
        }
    }

    /// Flushes what waits, then stops the thread; returns when it has stopped.
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
        var reporter: (connection: BrokerConnection, reporter: Reporter)?
        while let flush = nextFlush() {
            do {
                let current = try reporter ?? {
                    let connection = try connect()
                    return (connection, Reporter(connection: connection, batchSize: maxRecords))
                }()
                reporter = current
                let records = flush.map(\.record)
                let outcomes = try current.reporter.send(records)
                sentBatches.add(frames(of: records, on: current.connection), ordering: .relaxed)
                sentRecords.add(outcomes.count, ordering: .relaxed)
                for (index, item) in flush.enumerated() {
                    if index < outcomes.count {
                        item.continuation.resume(returning: outcomes[index])
                    } else {
                        item.continuation.resume(throwing: ClientError.protocolViolation("no outcome for a result"))
                    }
                }
            } catch {
                reporter = nil  // a fresh connection for the next flush
                for item in flush { item.continuation.resume(throwing: error) }
            }
        }
    }

    /// Waits for the first record, then up to `delay` for `maxRecords`; nil once closed and empty.
    private func nextFlush() -> [Waiting]? {
        wake.withLock {
            while waiting.isEmpty, open { wake.wait() }
            if waiting.isEmpty { return nil }
            let parts = delay.components
            let until = Date().addingTimeInterval(Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
            while waiting.count < maxRecords, open, Date() < until {
                _ = wake.wait(until: until)
            }
            let count = min(waiting.count, maxRecords)
            defer { waiting.removeFirst(count) }
            return Array(waiting.prefix(count))
        }
    }

    /// How many frames `Reporter` cut `records` into (one unless they do not fit one frame).
    private func frames(of records: [Record], on connection: BrokerConnection) -> Int {
        guard let limits = try? connection.limits(),
              let ranges = try? BatchPlanner.batches(
                  of: records, maxFrameBytes: limits.maxFrameBytes, maxRecords: min(maxRecords, limits.maxBatchRecords))
        else { return 1 }
        return max(1, ranges.count)
    }
}
