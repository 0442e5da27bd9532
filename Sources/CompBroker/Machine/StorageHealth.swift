/// Whether the journal can commit, and what to log about it: a pure state machine over commit and
/// read results.
///
/// After a failure the core backs off exponentially (`baseBackoff`, doubling, capped at
/// `maxBackoff`); until the backoff has passed it refuses requests at once (`storage_failure`)
/// instead of queueing them to fail later. The first request after the backoff is the probe: if its
/// commit succeeds the journal has recovered. It logs a state change once and, while the fault lasts,
/// a summary at most every `summaryInterval` — never a line per attempt.
struct StorageHealth: Sendable {
    /// What to log; the core turns these into log lines.
    enum Report: Sendable, Equatable {
        /// The first failure after healthy operation.
        case degraded(String)
        /// Still failing: failures since the last report, and the latest error.
        case stillDegraded(failures: Int, latest: String)
        /// A commit succeeded after `failures` consecutive failures.
        case recovered(failures: Int)
    }

    static let baseBackoff: Int64 = 50
    static let maxBackoff: Int64 = 1_600
    static let summaryInterval: Int64 = 30_000

    /// Consecutive failures; 0 when healthy.
    private(set) var failures = 0
    /// Total failures since start (a counter for stats).
    private(set) var totalFailures: UInt64 = 0
    /// Monotonic ms before which requests are refused; nil when healthy.
    private(set) var retryAt: Int64?
    private var lastReportAt: Int64 = 0
    private var unreported = 0

    /// Whether requests are refused at `monotonic` (degraded and still backing off).
    func refuses(at monotonic: Int64) -> Bool {
        guard let retryAt else { return false }
        return monotonic < retryAt
    }

    /// The backoff after `failures` consecutive failures.
    static func backoff(after failures: Int) -> Int64 {
        let shift = min(max(failures - 1, 0), 30)
        return min(maxBackoff, baseBackoff << Int64(shift))
    }

    /// A commit or read failed at `monotonic`; returns what to log, if anything.
    mutating func failed(_ error: String, at monotonic: Int64) -> Report? {
        failures += 1
        totalFailures &+= 1
        retryAt = monotonic &+ Self.backoff(after: failures)
        if failures == 1 {
            lastReportAt = monotonic
            unreported = 0
            return .degraded(error)
        }
        unreported += 1
        guard monotonic - lastReportAt >= Self.summaryInterval else { return nil }
        lastReportAt = monotonic
        defer { unreported = 0 }
        return .stillDegraded(failures: unreported, latest: error)
    }

    /// A commit succeeded; returns the recovery to log when it ends a fault.
    mutating func succeeded() -> Report? {
        defer {
            failures = 0
            retryAt = nil
            unreported = 0
        }
        return failures > 0 ? .recovered(failures: failures) : nil
    }
}
