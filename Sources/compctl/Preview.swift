import CompModel
import CompWire

/// What an action would do to one execution, worked out with the broker's own model
/// (`Execution.apply`) on the execution as `list` shows it: for `--dry-run`. The broker decides
/// again when the action is sent (the execution may have changed in between); a function change
/// to a key another open execution has is only found by the broker.
enum Preview {
    /// What the action would do to one execution.
    enum Outcome: Equatable {
        /// It would change; the status after it (e.g. `FAILED`, `PARKED(manual)`).
        case changes(String)
        /// It would be refused, and why.
        case refused(String)
    }

    /// What `action` would do to the execution `view` shows.
    static func outcome(of action: AdminAction, force: Bool, on view: ExecutionView) -> Outcome {
        guard var execution = execution(view) else { return .refused("status \(view.status) unknown to this compctl") }
        let input: ExecutionInput
        switch action {
        case .retryNow: input = force ? .forceRetry : .retryNow
        case .discard: input = .discard
        case .park: input = .park
        case .mark(let raw):
            guard let value = Recoverability(rawValue: raw) else { return .refused("recoverable \(raw) out of range") }
            input = .mark(value)
        case .applySpec(let patch):
            let spec = execution.spec.merging(override(patch))
            do throws(ModelError) {
                try spec.validate()
            } catch {
                return .refused(error.description)
            }
            input = .applySpec(spec)
        case .changeFunction(let function): input = .changeFunction(function)
        case .pause, .resume: return .refused("not an action on executions")
        }
        var random = SplitMix64(seed: 1)
        do throws(ModelError) {
            try execution.apply(input, now: WallClock.now(), random: &random)
        } catch {
            return .refused(error.description)
        }
        var status = "\(execution.status)"
        if let reason = execution.parkReason { status += "(\(reason))" }
        return .changes(status)
    }

    /// The model's execution for a view, or nil when a field is out of the model's range.
    static func execution(_ view: ExecutionView) -> Execution? {
        guard let status = ExecutionStatus(rawValue: view.status),
            let recoverable = Recoverability(rawValue: view.recoverable)
        else { return nil }
        let reason = view.parkReason == 0 ? nil : ParkReason(rawValue: view.parkReason)
        var lease: Lease?
        if let holder = view.leaseHolder, let until = view.leaseUntil {
            lease = Lease(token: view.leaseToken ?? 0, holder: holder, grantedAt: Timestamp(milliseconds: until),
                          until: Timestamp(milliseconds: until))
        }
        let spec = RetrySpec(
            maxRetries: Int(view.spec.maxRetries), minBackoff: span(view.spec.minBackoffMs),
            maxBackoff: span(view.spec.maxBackoffMs), executionTimeout: span(view.spec.executionTimeoutMs),
            jitterPermille: Int(view.spec.jitterPermille), deadline: view.spec.deadline.map { Timestamp(milliseconds: $0) })
        return Execution(
            id: view.id,
            key: ExecutionKey(service: view.service, processor: view.processor, function: view.function, eventId: view.eventId),
            correlationId: view.correlationId, status: status, parkReason: reason, recoverable: recoverable,
            markedByOperator: view.markedByOperator, retries: Int(view.retries), spec: spec,
            nextRetryAt: view.nextRetryAt.map { Timestamp(milliseconds: $0) }, lease: lease,
            lastError: ErrorInfo(code: view.error.code, message: view.error.message), payload: [],
            createdAt: Timestamp(milliseconds: view.createdAt), updatedAt: Timestamp(milliseconds: view.updatedAt))
    }

    /// A wire patch as the model's override (as the broker maps it).
    static func override(_ patch: RetrySpecPatch) -> RetrySpecOverride {
        RetrySpecOverride(
            maxRetries: patch.maxRetries.map { Int($0) }, minBackoff: patch.minBackoffMs.map(span),
            maxBackoff: patch.maxBackoffMs.map(span), executionTimeout: patch.executionTimeoutMs.map(span),
            jitterPermille: patch.jitterPermille.map { Int($0) }, deadline: patch.deadline.map { Timestamp(milliseconds: $0) })
    }

    private static func span(_ milliseconds: UInt64) -> TimeSpan { TimeSpan(milliseconds: Int64(clamping: milliseconds)) }
}
