import CompWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Sends success and failure records in batches and returns one outcome per record.
///
/// Batches are cut by count (at most `batchSize` and the broker's `maxBatchRecords`) and by
/// encoded size (a batch's frame never passes the broker's `maxFrameBytes`, learned once from
/// its `HelloReply`). On a timeout it resends the same frame (same request id, same record ids)
/// on a fresh socket, so the broker acknowledges a record it already committed as a duplicate
/// instead of applying it twice.
public final class Reporter: Sendable {
    private let connection: BrokerConnection
    private let attempts: Int
    private let batchSize: Int

    /// Creates a reporter.
    ///
    /// - Parameters:
    ///   - connection: the broker connection (not shared with other threads while sending).
    ///   - attempts: sends of one batch before giving up (timeouts, `overloaded`, `shuttingDown`,
    ///     `storageFailure`).
    ///   - batchSize: records per request at most, within `1...WireLimits.maxBatchRecords`.
    public init(connection: BrokerConnection, attempts: Int = 5, batchSize: Int = 500) {
        self.connection = connection
        self.attempts = max(1, attempts)
        self.batchSize = min(max(1, batchSize), WireLimits.maxBatchRecords)
    }

    /// Sends `records` and returns their outcomes, in order.
    ///
    /// - Throws: `ClientError.recordTooLarge` before anything is sent when a record cannot fit in
    ///   any frame; otherwise `ClientError` when a batch got no acknowledgement after every
    ///   attempt, or the broker refused the whole batch (outcomes of the batches before it were
    ///   already acknowledged).
    public func send(_ records: [Record]) throws(ClientError) -> [RecordOutcome] {
        // The common case: the records fit one frame. They are encoded once, and only a frame over the limit is
        // planned record by record (measuring every record first was a fifth of `compctl load`'s instructions).
        if !records.isEmpty, records.count <= batchSize {
            let limits = try connection.limits()
            if records.count <= max(1, limits.maxBatchRecords) {
                let requestId = connection.makeRequestId()
                let frame = FrameCodec.encode(
                    Frame(requestId: requestId, message: .recordBatch(RecordBatch(records: records))))
                if frame.count <= limits.maxFrameBytes,
                    let outcomes = try send(frame: frame, requestId: requestId, records: records.count,
                                            limit: limits.maxFrameBytes)
                {
                    return outcomes
                }
            }
        }
        var outcomes: [RecordOutcome] = []
        outcomes.reserveCapacity(records.count)
        var start = records.startIndex
        // Planned with the broker's limits; planned again from the first unacknowledged record
        // when the broker turns out to have a smaller limit now (it restarted with another one).
        while start < records.endIndex {
            let limits = try connection.limits()
            let rest = Array(records[start...])
            let batches: [Range<Int>]
            do {
                batches = try BatchPlanner.batches(
                    of: rest, maxFrameBytes: limits.maxFrameBytes,
                    maxRecords: min(batchSize, max(1, limits.maxBatchRecords)))
            } catch {
                if case .recordTooLarge(let index, let bytes, let limit) = error {
                    throw .recordTooLarge(index: start + index, bytes: bytes, limit: limit)
                }
                throw error
            }
            var replan = false
            for range in batches {
                guard let acknowledged = try sendBatch(Array(rest[range]), limit: limits.maxFrameBytes) else {
                    replan = true
                    break
                }
                outcomes += acknowledged
                start += range.count
            }
            if !replan { break }
        }
        return outcomes
    }

    /// Sends one batch; returns its outcomes, or nil when it timed out and the broker's frame
    /// limit is now below the batch's frame (the caller plans again with the new limit).
    private func sendBatch(_ records: [Record], limit: Int) throws(ClientError) -> [RecordOutcome]? {
        let requestId = connection.makeRequestId()
        let frame = FrameCodec.encode(Frame(requestId: requestId, message: .recordBatch(RecordBatch(records: records))))
        return try send(frame: frame, requestId: requestId, records: records.count, limit: limit)
    }

    /// Sends one encoded batch of `records` records; its outcomes, or nil as `sendBatch` says.
    private func send(frame: [UInt8], requestId: UInt32, records: Int, limit: Int) throws(ClientError)
        -> [RecordOutcome]?
    {
        var lastError = ClientError.protocolViolation("no attempt made")
        for attempt in 1...attempts {
            do throws(ClientError) {
                let reply = try connection.send(frame: frame, requestId: requestId)
                guard case .ack(let ack) = reply, ack.outcomes.count == records else {
                    throw ClientError.protocolViolation("expected an ack with \(records) outcomes")
                }
                return ack.outcomes
            } catch {
                lastError = error
                let retriable: Bool
                switch error {
                case .timedOut:
                    // The broker may have restarted with a smaller frame limit, which drops this
                    // frame: ask it again. Otherwise the same frame is resent (same request id).
                    connection.forgetLimits()
                    if let now = try? connection.limits(), now.maxFrameBytes < frame.count, now.maxFrameBytes < limit {
                        return nil
                    }
                    retriable = true
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

/// Cuts a list of records into batches whose frames fit a size limit.
public enum BatchPlanner {
    /// The consecutive ranges of `records` to send, each as one `RecordBatch`: at most
    /// `maxRecords` records, and an encoded frame (length prefix included) of at most
    /// `maxFrameBytes` bytes.
    ///
    /// A batch frame is the frame of an empty batch plus each record's encoding (the record count
    /// is a fixed-width u32), so each record is measured once on its own.
    ///
    /// - Parameters:
    ///   - records: The records, in order.
    ///   - maxFrameBytes: The broker's frame limit.
    ///   - maxRecords: The most records in one batch.
    /// - Returns: The ranges, covering `records` in order.
    /// - Throws: `ClientError.recordTooLarge` for the first record that does not fit in a frame
    ///   on its own.
    public static func batches(of records: [Record], maxFrameBytes: Int,
                               maxRecords: Int) throws(ClientError) -> [Range<Int>] {
        let emptyFrame = frameBytes([])
        var ranges: [Range<Int>] = []
        var start = records.startIndex
        var used = emptyFrame
        for index in records.indices {
            let size = frameBytes([records[index]]) - emptyFrame
            guard emptyFrame + size <= maxFrameBytes else {
                throw .recordTooLarge(index: index, bytes: emptyFrame + size, limit: maxFrameBytes)
            }
            if used + size > maxFrameBytes || index - start >= maxRecords {
                ranges.append(start..<index)
                start = index
                used = emptyFrame
            }
            used += size
        }
        if start < records.endIndex { ranges.append(start..<records.endIndex) }
        return ranges
    }

    /// The encoded size of a batch frame holding `records`.
    static func frameBytes(_ records: [Record]) -> Int {
        // Counted, not encoded: the planner measures every record, and encoding each one (an array and every
        // byte written) was a quarter of `compctl load`'s CPU.
        FrameCodec.encodedCount(Frame(requestId: 0, message: .recordBatch(RecordBatch(records: records))))
    }
}
