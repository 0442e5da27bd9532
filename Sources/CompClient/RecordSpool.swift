import CompJournal
import CompModel
import CompWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Store-and-forward for nodes whose link to the broker comes and goes: a report is durable in a local
/// spool (`SpoolFile`, SQLite, `synchronous=FULL`) before `append` returns, and `forward` sends the spool
/// to the broker in append order, with the records' own ids, whenever the broker answers.
///
/// Resends are harmless: a record the broker already committed comes back `duplicate` (its dedupe
/// window; the broker refuses with `record_too_old` a record made before that window, so a spool that
/// returns after weeks cannot apply anything twice). A record is removed from the spool only after the
/// broker answered it: accepted, duplicate and stale are done; a rejected one (it would fail again)
/// moves to the spool's rejected list with the broker's code and detail, for an operator. Nothing is
/// dropped silently: a full spool refuses new reports (`SpoolError.full`).
public final class RecordSpool: Sendable {
    /// How one `forward` ended.
    public struct ForwardReport: Sendable, Equatable {
        /// Records the broker answered accepted, duplicate or stale (removed from the spool).
        public var forwarded: Int
        /// Records the broker refused (moved to the rejected list).
        public var refused: Int
        /// Records still pending.
        public var remaining: Int
        /// Why forwarding stopped before the spool was empty (the broker did not answer, refused the
        /// batch, or the spool's file failed); nil when it emptied the spool.
        public var stoppedBy: String?
    }

    /// The default bound on pending record bytes: 64 MiB.
    public static let defaultLimitBytes: Int64 = 64 << 20

    private let file: Mutex<SpoolFile>
    /// Whether a forward runs in this process (a second one waits for it instead of resending the same records).
    private let forwarding = Mutex<Bool>(false)

    /// Opens (creating when missing) the spool in `directory`.
    ///
    /// - Parameters:
    ///   - directory: the spool's directory (one per node or process group).
    ///   - limitBytes: the most pending record bytes.
    /// - Throws: `SpoolError.storage` when the file cannot be opened.
    public init(directory: String, limitBytes: Int64 = RecordSpool.defaultLimitBytes) throws(SpoolError) {
        do {
            file = Mutex(try SpoolFile(directory: directory, limitBytes: limitBytes))
        } catch {
            throw .storage(error)
        }
    }

    /// Appends `records`, in order, in one transaction: durable when this returns.
    ///
    /// - Returns: how many were new (a record id already pending is not spooled twice).
    /// - Throws: `SpoolError.full` when they do not fit (none is spooled), `SpoolError.storage` when
    ///   the file fails (none is spooled).
    @discardableResult
    public func append(_ records: [Record]) throws(SpoolError) -> Int {
        let encoded = records.map { (recordId: Self.idBytes($0.id), bytes: Self.encode($0)) }
        let now = WallClock.now().milliseconds
        return try file.withLock { file throws(SpoolError) in try file.append(encoded, at: now) }
    }

    /// What the spool holds.
    ///
    /// - Throws: `SpoolError.storage` when the read fails.
    public func status() throws(SpoolError) -> SpoolFile.Status {
        try file.withLock { file throws(SpoolError) in try file.status() }
    }

    /// The records the broker refused, oldest first, decoded (a stored record that no longer decodes is
    /// left out).
    ///
    /// - Throws: `SpoolError.storage` when the read fails.
    public func rejected(limit: Int = 1000) throws(SpoolError) -> [(record: Record, code: UInt16, detail: String)] {
        let rows = try file.withLock { file throws(SpoolError) in try file.rejected(limit: limit) }
        return rows.compactMap { row in Self.decode(row.bytes).map { ($0, row.code, row.detail) } }
    }

    /// Forgets the refused records.
    ///
    /// - Returns: how many were removed.
    /// - Throws: `SpoolError.storage` when the write fails.
    @discardableResult
    public func clearRejected() throws(SpoolError) -> Int {
        try file.withLock { file throws(SpoolError) in try file.clearRejected() }
    }

    /// Sends the spool to the broker, oldest first, `batchSize` records a request, until it is empty or
    /// the broker stops answering. Appends may go on meanwhile (the file is locked only to read a batch
    /// and to settle its answer, never while waiting for the broker).
    ///
    /// - Parameters:
    ///   - reporter: sends the batches (its own resends with the same record ids on a timeout).
    ///   - batchSize: records per request at most.
    /// - Returns: what was forwarded and why it stopped.
    public func forward(through reporter: Reporter, batchSize: Int = 500) -> ForwardReport {
        let claimed = forwarding.withLock { running in
            if running { return false }
            running = true
            return true
        }
        guard claimed else {
            return ForwardReport(forwarded: 0, refused: 0, remaining: pendingCount(),
                                 stoppedBy: "another forward of this spool is running in this process")
        }
        defer { forwarding.withLock { $0 = false } }
        var report = ForwardReport(forwarded: 0, refused: 0, remaining: 0, stoppedBy: nil)
        while true {
            let entries: [SpoolFile.Entry]
            do {
                entries = try file.withLock { file throws(SpoolError) in try file.oldest(limit: batchSize) }
            } catch {
                report.stoppedBy = "\(error)"
                break
            }
            if entries.isEmpty { break }
            // A stored record that does not decode (written by an incompatible build) is refused here,
            // kept in the rejected list, never sent and never lost.
            var records: [Record] = []
            var sent: [SpoolFile.Entry] = []
            var refused: [SpoolFile.Refused] = []
            let now = WallClock.now().milliseconds
            for entry in entries {
                if let record = Self.decode(entry.bytes) {
                    records.append(record)
                    sent.append(entry)
                } else {
                    refused.append(SpoolFile.Refused(
                        seq: entry.seq, recordId: entry.recordId, bytes: entry.bytes,
                        code: ErrorCode.malformedFrame.rawValue, detail: "spool: the stored record does not decode",
                        at: now))
                }
            }
            var delivered: [Int64] = []
            var failure: String?
            if !records.isEmpty {
                do {
                    let outcomes = try reporter.send(records)
                    for (entry, outcome) in zip(sent, outcomes) {
                        if outcome.status == .rejected {
                            refused.append(SpoolFile.Refused(
                                seq: entry.seq, recordId: entry.recordId, bytes: entry.bytes, code: outcome.code,
                                detail: outcome.detail ?? "", at: now))
                        } else {
                            delivered.append(entry.seq)
                        }
                    }
                } catch {
                    failure = "\(error)"
                }
            }
            do {
                try file.withLock { file throws(SpoolError) in try file.settle(delivered: delivered, refused: refused) }
            } catch {
                report.stoppedBy = "\(error)"
                break
            }
            report.forwarded += delivered.count
            report.refused += refused.count
            if let failure {
                report.stoppedBy = failure
                break
            }
        }
        report.remaining = pendingCount()
        return report
    }

    private func pendingCount() -> Int {
        (try? file.withLock { file throws(SpoolError) in try file.status() })?.pending ?? 0
    }

    /// A record's id as the 16 big-endian bytes the spool keys it by.
    static func idBytes(_ id: UInt128) -> [UInt8] {
        (0..<16).map { UInt8(truncatingIfNeeded: id >> (8 * (15 - $0))) }
    }

    /// The stored form of a record: a one-record `RecordBatch` frame (the wire codec, so the spool needs
    /// no format of its own and a stored record is checked by the same decoder the broker uses).
    static func encode(_ record: Record) -> [UInt8] {
        FrameCodec.encode(Frame(requestId: 0, message: .recordBatch(RecordBatch(records: [record]))))
    }

    /// The record of a stored frame, or nil when it does not decode to one record.
    static func decode(_ bytes: [UInt8]) -> Record? {
        guard let frame = try? FrameCodec.decode(bytes), case .recordBatch(let batch) = frame.message,
              batch.records.count == 1 else { return nil }
        return batch.records[0]
    }
}

/// When a client tries the broker again after a failed attempt: exponential from `first` to `cap`,
/// with full jitter (a uniformly random delay up to the exponential one), so that thousands of nodes that
/// lost the broker at the same moment do not all come back in the same instant when it returns.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The delay bound after the first failure.
    public var first: Duration
    /// The largest delay bound.
    public var cap: Duration

    /// Creates a backoff (defaults: 100 ms, doubling, up to 30 s).
    public init(first: Duration = .milliseconds(100), cap: Duration = .seconds(30)) {
        self.first = first
        self.cap = cap
    }

    /// The delay before attempt `failures + 1`, after `failures` failed attempts in a row (≥ 1).
    public func delay(afterFailures failures: Int, random: inout some RandomNumberGenerator) -> Duration {
        let spec = RetrySpec(
            minBackoff: TimeSpan(milliseconds: Self.milliseconds(first)),
            maxBackoff: TimeSpan(milliseconds: max(Self.milliseconds(first), Self.milliseconds(cap))),
            jitterPermille: 1000)
        return .milliseconds(Backoff.delay(retries: max(0, failures - 1), spec: spec, random: &random).milliseconds)
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return max(0, parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000)
    }
}
