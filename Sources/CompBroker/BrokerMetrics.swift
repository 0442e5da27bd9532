import CompModel
import CompWire
import Dispatch
import Foundation
import Metrics
import Synchronization

/// The broker's metrics through swift-metrics (no-ops until the process bootstraps a backend; compd
/// bootstraps swift-prometheus when HTTP is on). Handles are made once; the core thread pays one timer
/// and one recorder update per commit, and the ingress a counter increment per record outcome kind per
/// batch. Gauges that come from state the broker already keeps (status counts, queue depth, leases,
/// file sizes) are set at scrape time by `Broker.refreshGauges()`.
final class BrokerMetrics: Sendable {
    static let commitLatency = "compd_commit_duration_seconds"
    static let recordsPerCommit = "compd_records_per_commit"
    static let ackLatency = "compd_ack_duration_seconds"
    static let dispatchLag = "compd_dispatch_lag_seconds"
    static let checkpointDuration = "compd_checkpoint_duration_seconds"
    static let walFlushDuration = "compd_wal_flush_duration_seconds"

    private let commitTimer = Metrics.Timer(label: commitLatency)
    private let commitRecords = Recorder(label: recordsPerCommit, aggregate: true)
    private let ackTimer = Metrics.Timer(label: ackLatency)
    private let lagTimer = Metrics.Timer(label: dispatchLag)
    private let checkpointTimer = Metrics.Timer(label: checkpointDuration)
    private let commitFailures = Counter(label: "compd_commit_failures_total")
    private let flushTimer = Metrics.Timer(label: walFlushDuration)
    /// Records by kind (failure, success, started) and outcome, indexed by `recordIndex`.
    private let records: [Counter]
    private static let outcomes = ["accepted", "not_held", "duplicate", "stale", "rejected"]

    init() {
        var records: [Counter] = []
        for kind in ["failure", "success", "started"] {
            for outcome in Self.outcomes {
                records.append(Counter(label: "compd_records_total", dimensions: [("kind", kind), ("outcome", outcome)]))
            }
        }
        self.records = records
    }

    /// The index of a record kind and outcome in `records` (outcome: 0 accepted, 1 not held, 2 duplicate,
    /// 3 stale, 4 rejected).
    static func recordIndex(_ kind: RecordKind, outcome: Int) -> Int {
        Int(kind.rawValue - 1) * outcomes.count + outcome
    }

    /// A tally of record outcomes for one batch, counted into the metrics at once.
    struct RecordTally {
        var counts = [Int](repeating: 0, count: RecordKind.allCases.count * BrokerMetrics.outcomes.count)

        mutating func add(_ kind: RecordKind, outcome: Int) { counts[BrokerMetrics.recordIndex(kind, outcome: outcome)] += 1 }
    }

    /// Counts one batch's tally.
    func count(_ tally: RecordTally) {
        for (index, count) in tally.counts.enumerated() where count > 0 { records[index].increment(by: count) }
    }

    /// One group commit took `nanoseconds` and applied `records` records.
    func committed(nanoseconds: UInt64, records: Int) {
        commitTimer.recordNanoseconds(Int64(clamping: nanoseconds))
        commitRecords.record(records)
    }

    /// One group commit failed.
    func commitFailed() { commitFailures.increment() }

    /// The outbox flushed the WAL to disk in `nanoseconds` (one flush may cover several group commits).
    func walFlushed(nanoseconds: UInt64) { flushTimer.recordNanoseconds(Int64(clamping: nanoseconds)) }

    /// A batch of records was acknowledged `nanoseconds` after it was received.
    func acknowledged(nanoseconds: UInt64) { ackTimer.recordNanoseconds(Int64(clamping: nanoseconds)) }

    /// A command was dispatched `milliseconds` after it was due.
    func dispatched(lagMilliseconds: Int64) { lagTimer.recordMilliseconds(max(0, lagMilliseconds)) }

    /// A WAL checkpoint took `duration`.
    func checkpointed(_ duration: Duration) { checkpointTimer.record(duration: duration) }

    /// An error reply with `code` was sent.
    func errorSent(_ code: UInt16) {
        let name = ErrorCode(rawValue: code).map { "\($0)" } ?? "\(code)"
        Counter(label: "compd_errors_total", dimensions: [("code", name)]).increment()
    }

    /// The gauges last set at a scrape, so that a status, service or code that disappeared reads 0.
    private let shown = Mutex<(statuses: Set<[String]>, services: Set<String>)>(([], []))

    /// Sets the scrape-time gauges.
    func setGauges(counts: [CompWire.StatusCount]?, inFlight: [String: Int], queuedRecords: Int, journalBytes: Int64, walBytes: Int64) {
        var statuses: [[String]: Int] = [:]
        for count in counts ?? [] {
            let status = ExecutionStatus(rawValue: count.status).map { "\($0)".lowercased() } ?? "\(count.status)"
            let reason = ParkReason(rawValue: count.parkReason).map { "\($0)" } ?? (count.parkReason == 0 ? "none" : "\(count.parkReason)")
            statuses[[status, reason], default: 0] += Int(clamping: count.count)
        }
        let (oldStatuses, oldServices) = shown.withLock { shown in
            defer { shown = (counts == nil ? shown.statuses : Set(statuses.keys), Set(inFlight.keys)) }
            return shown
        }
        if counts != nil {
            for key in oldStatuses.subtracting(statuses.keys) { statuses[key] = 0 }
            for (key, value) in statuses {
                Gauge(label: "compd_executions", dimensions: [("status", key[0]), ("park_reason", key[1])]).record(value)
            }
        }
        var services = inFlight
        for service in oldServices.subtracting(inFlight.keys) { services[service] = 0 }
        for (service, value) in services {
            Gauge(label: "compd_leases_in_flight", dimensions: [("service", service)]).record(value)
        }
        Gauge(label: "compd_queued_records").record(queuedRecords)
        Gauge(label: "compd_journal_bytes").record(journalBytes)
        Gauge(label: "compd_wal_bytes").record(walBytes)
    }
}
