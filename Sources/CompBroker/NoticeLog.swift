import CompJournal
import CompModel
import CompWire
import Logging
import Synchronization

/// Notice-level lines about single executions, for the operator reading the log: parks, lease
/// expiries, operator actions (with who acted, `by`: the request's actor, `unknown` when it named none)
/// and rejected records, each with the service, function, event id, correlation id and execution id as
/// metadata. Accepted records are never logged. Lines are rate-limited per kind
/// (`NoticeLimiter`: 20 a second, then one summary line); the ingress thread calls `flush()` on each
/// pass of its loop (at least every 100 ms) so a summary does not wait for the next line.
final class NoticeLog: Sendable {
    /// The kinds of line, each limited on its own.
    enum Kind: String, Sendable {
        case park = "park"
        case leaseExpiry = "lease_expiry"
        case operatorAction = "operator_action"
        case rejectedRecord = "record_rejected"
    }

    private let logger: Logger
    private let limiter: Mutex<NoticeLimiter<Kind>>
    /// Whether a window holds lines left out: `flush()`, called for every request, returns at once
    /// otherwise. Written only under the limiter's lock.
    private let pending = Atomic<Bool>(false)
    private let clock: @Sendable () -> Int64

    /// - Parameters:
    ///   - logger: where the lines go.
    ///   - limiter: the rate limit.
    ///   - clock: monotonic milliseconds.
    init(logger: Logger, limiter: NoticeLimiter<Kind> = NoticeLimiter(),
         clock: @escaping @Sendable () -> Int64 = BrokerClock.monotonic) {
        self.logger = logger
        self.limiter = Mutex(limiter)
        self.clock = clock
    }

    /// Whether notice lines are logged at all (skip the scan of a commit's changes otherwise).
    var isEnabled: Bool { logger.logLevel <= .notice }

    /// Logs the lines a group commit's state changes call for: parks (by a failure or a lease that
    /// ran out), lease expiries, and operator actions on executions.
    func changes(_ changes: [StateChange]) {
        guard isEnabled else { return }
        for change in changes {
            // A switch of small-string compares: most changes (records, leases) fall through at once,
            // without copying the execution.
            switch change.kind {
            case "failure", "failure-result":
                if change.execution.status == .parked { parked(change.execution, cause: change.kind) }
            case "timeout":
                let execution = change.execution
                if execution.status == .parked {
                    parked(execution, cause: change.kind)
                } else {
                    log(.leaseExpiry, "lease expired", execution, [
                        "retries": "\(execution.retries)", "status": "\(execution.status)",
                        "next_retry_at": "\(execution.nextRetryAt.map(\.iso8601) ?? "-")",
                    ])
                }
            case "retry", "apply-spec", "mark", "change-function", "park", "discard":
                let execution = change.execution
                log(.operatorAction, "operator action", execution, [
                    "action": "\(change.kind)", "by": "\(change.actor ?? Journal.unknownActor)",
                    "status": "\(execution.status)",
                ])
            default:
                break
            }
        }
    }

    private func parked(_ execution: Execution, cause: String) {
        log(.park, "execution parked", execution, [
            "reason": "\(execution.parkReason.map { "\($0)" } ?? "unknown")", "cause": "\(cause)",
            "retries": "\(execution.retries)", "error_code": "\(execution.lastError.code)",
        ])
    }

    /// Logs a service paused or resumed by an operator.
    func paused(_ service: String, _ paused: Bool, by actor: String?) {
        emit(.operatorAction, "operator action", [
            "service": "\(service)", "action": "\(paused ? "pause" : "resume")", "by": "\(actor ?? Journal.unknownActor)",
        ])
    }

    /// Logs the records of a batch that were rejected, those at `indexes` whose outcome is `rejected`.
    func rejected(_ records: [Record], _ outcomes: [RecordOutcome?], at indexes: some Sequence<Int>) {
        guard isEnabled else { return }
        for index in indexes {
            guard let outcome = outcomes[index], outcome.status == .rejected else { continue }
            let record = records[index]
            let code = ErrorCode(rawValue: outcome.code).map { "\($0)" } ?? "unknown"
            emit(.rejectedRecord, "record rejected", [
                "service": "\(record.service)", "processor": "\(record.processor)", "function": "\(record.function)",
                "event_id": "\(record.eventId)", "correlation_id": "\(record.correlationId ?? "")",
                "code": "\(code)", "code_number": "\(outcome.code)", "record_kind": "\(record.kind)",
            ])
        }
    }

    /// Logs the summaries of rate-limit windows that have ended with lines left out.
    func flush() {
        guard pending.load(ordering: .relaxed) else { return }
        let now = clock()
        let summaries = limiter.withLock { limiter in
            let summaries = limiter.ended(at: now)
            pending.store(limiter.hasSuppressed, ordering: .relaxed)
            return summaries
        }
        for summary in summaries { log(summary) }
    }

    private func log(_ kind: Kind, _ message: Logger.Message, _ execution: Execution, _ extra: Logger.Metadata) {
        var metadata: Logger.Metadata = [
            "service": "\(execution.key.service)", "processor": "\(execution.key.processor)",
            "function": "\(execution.key.function)", "event_id": "\(execution.key.eventId)",
            "correlation_id": "\(execution.correlationId)", "execution_id": "\(execution.id)",
        ]
        metadata.merge(extra) { _, new in new }
        emit(kind, message, metadata)
    }

    private func emit(_ kind: Kind, _ message: Logger.Message, _ metadata: Logger.Metadata) {
        let now = clock()
        let decision = limiter.withLock { limiter in
            let decision = limiter.admit(kind, at: now)
            if !decision.log { pending.store(true, ordering: .relaxed) }
            return decision
        }
        if let summary = decision.summary { log(summary) }
        guard decision.log else { return }
        logger.notice(message, metadata: metadata.merging(["notice": "\(kind.rawValue)"]) { old, _ in old })
    }

    private func log(_ summary: NoticeLimiter<Kind>.Summary) {
        logger.notice("notice lines left out by the rate limit", metadata: [
            "notice": "\(summary.kind.rawValue)", "suppressed": "\(summary.suppressed)",
            "window_ms": "\(summary.windowMilliseconds)",
        ])
    }
}
