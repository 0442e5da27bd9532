import CompWire
import Foundation

/// Sends success and failure records in batches and returns one outcome per record. On a timeout
/// it resends the same batch with the same record ids, so the broker acknowledges a record it
/// already committed as a duplicate instead of applying it twice.
public final class Reporter: Sendable {
    private let connection: BrokerConnection
    private let attempts: Int
    private let batchSize: Int

    /// Creates a reporter.
    ///
    /// - Parameters:
    ///   - connection: the broker connection (not shared with other threads while sending).
    ///   - attempts: sends of one batch before giving up (timeouts, `overloaded`, `shuttingDown`).
    ///   - batchSize: records per request, at most `WireLimits.maxBatchRecords`.
    public init(connection: BrokerConnection, attempts: Int = 5, batchSize: Int = 500) {
        self.connection = connection
        self.attempts = max(1, attempts)
        self.batchSize = min(max(1, batchSize), WireLimits.maxBatchRecords)
    }

    /// Sends `records` and returns their outcomes, in order.
    ///
    /// - Throws: `ClientError` when a batch got no acknowledgement after every attempt, or the broker
    ///   refused the whole batch; outcomes of batches before it were already acknowledged.
    public func send(_ records: [Record]) throws(ClientError) -> [RecordOutcome] {
        var outcomes: [RecordOutcome] = []
        outcomes.reserveCapacity(records.count)
        var start = 0
        while start < records.count {
            let end = min(start + batchSize, records.count)
            outcomes += try sendBatch(Array(records[start..<end]))
            start = end
        }
        return outcomes
    }

    private func sendBatch(_ records: [Record]) throws(ClientError) -> [RecordOutcome] {
        var lastError = ClientError.protocolViolation("no attempt made")
        for attempt in 1...attempts {
            do throws(ClientError) {
                let reply = try connection.request(.recordBatch(RecordBatch(records: records)))
                guard case .ack(let ack) = reply, ack.outcomes.count == records.count else {
                    throw ClientError.protocolViolation("expected an ack with \(records.count) outcomes")
                }
                return ack.outcomes
            } catch {
                lastError = error
                let retriable: Bool
                switch error {
                case .timedOut: retriable = true
                case .broker(let code, _):
                    retriable = [ErrorCode.overloaded, .shuttingDown, .storageFailure].map(\.rawValue).contains(code)
                default: retriable = false
                }
                guard retriable, attempt < attempts else { throw error }
                if case .broker = error { backoff(attempt) }
            }
        }
        throw lastError
    }

    private func backoff(_ attempt: Int) {
        var request = timespec(tv_sec: 0, tv_nsec: min(1_000_000_000 - 1, 50_000_000 * attempt))
        nanosleep(&request, nil)
    }
}
