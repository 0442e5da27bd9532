import CompJournal
import CompModel

/// One notifiable event derived from one journal row, before filters and storm control.
struct DerivedEvent: Sendable, Equatable {
    /// What happened.
    var kind: NotificationKind
    /// The row's seq.
    var seq: Int64
    /// The row's facts.
    var facts: SingleFacts
    /// The storm-control key's function and error code (empty for a service's pause or resume).
    var function: String
    var errorCode: String

    /// The event a journal row amounts to, or nil when it notifies nothing.
    ///
    /// One event per row at most; the most significant wins: the status became PARKED → `parked`; else a
    /// `failure` that created the execution → `failure_created`; a `failure-result`, or a `failure` joining an
    /// open execution → `retry_failed`; a `success`/`success-result` that moved a FAILED, PREPARED or PARKED
    /// execution to SUCCEEDED → `succeeded_after_retry`; `mark` → `marked_recoverable`/`marked_unrecoverable`;
    /// `discard` → `discarded`; `timeout` → `lease_expired`; `paused`/`resumed` → `service_paused`/
    /// `service_resumed`; any other row → nil.
    ///
    /// - Parameter change: the journal row, replayed.
    /// - Returns: the event, or nil.
    static func derive(from change: JournalChange) -> DerivedEvent? {
        switch change.subject {
        case .service(let name, let paused):
            let kind: NotificationKind
            switch change.kind {
            case "paused": kind = .servicePaused
            case "resumed": kind = .serviceResumed
            default: kind = paused ? .servicePaused : .serviceResumed
            }
            return DerivedEvent(
                kind: kind, seq: change.seq,
                facts: SingleFacts(occurredAt: change.at, service: name, actor: change.actor, execution: nil),
                function: "", errorCode: "")

        case .execution(let previous, let current):
            guard let kind = executionKind(row: change.kind, previous: previous, current: current) else { return nil }
            return DerivedEvent(
                kind: kind, seq: change.seq,
                facts: SingleFacts(
                    occurredAt: change.at, service: current.key.service, actor: change.actor,
                    execution: ExecutionFacts(current)),
                function: current.key.function, errorCode: current.lastError.code)
        }
    }

    private static func executionKind(row: String, previous: Execution?, current: Execution) -> NotificationKind? {
        if current.status == .parked, previous?.status != .parked { return .parked }
        switch row {
        case "failure":
            return previous == nil ? .failureCreated : .retryFailed
        case "failure-result":
            return .retryFailed
        case "success", "success-result":
            guard let before = previous?.status, [.failed, .prepared, .parked].contains(before),
                current.status == .succeeded
            else { return nil }
            return .succeeded
        case "mark":
            switch current.recoverable {
            case .recoverable: return .markedRecoverable
            case .unrecoverable: return .markedUnrecoverable
            case .unknown: return nil
            }
        case "discard":
            return .discarded
        case "timeout":
            return .leaseExpired
        default:
            return nil
        }
    }
}
