import CompModel

/// The one human line stored with each journal row.
enum Summary {
    /// The most UTF-8 bytes of a summary: the protocol's text limit (`WireLimits.maxMessageBytes`), so a
    /// history row always fits in a reply. Longer lines are cut by `TextLimit.truncate`.
    static let maxBytes = 4096

    /// The line for a row with `body`, given the execution after it (nil for stale rows) and the row's seq,
    /// at most `maxBytes` UTF-8 bytes.
    static func line(_ body: EntryBody, after execution: Execution?, seq: Int64) -> String {
        TextLimit.truncate(fullLine(body, after: execution, seq: seq), maxBytes: maxBytes)
    }

    private static func fullLine(_ body: EntryBody, after execution: Execution?, seq: Int64) -> String {
        switch body {
        case .failure(let report, _):
            return "failure \(describe(report))\(outcome(execution))"
        case .success:
            return "success"
        case .failureResult(let token, let report):
            return "failure result \(describe(report)) (token \(token))\(outcome(execution))"
        case .successResult(let token):
            return "success result (token \(token))"
        case .stale(let kind, let token, let report):
            let what = kind == .failureResult ? "failure result" : "success result"
            return "stale \(what) (token \(token) is not current)\(report.map { ": " + describe($0) } ?? "")"
        case .leased(let holder):
            let until = execution?.lease.map { iso($0.until) } ?? "?"
            return "leased to \(holder) until \(until) (token \(seq))"
        case .extended(let token, _):
            let until = execution?.lease.map { iso($0.until) } ?? "?"
            return "lease extended until \(until) (token \(token))"
        case .timeout:
            return "timeout\(outcome(execution))"
        case .retry:
            return "retry (operator)"
        case .applySpec(let spec):
            var parts = [
                "maxRetries \(spec.maxRetries)", "minBackoff \(spec.minBackoff)", "maxBackoff \(spec.maxBackoff)",
                "executionTimeout \(spec.executionTimeout)", "jitter \(spec.jitterPermille)‰",
            ]
            if let deadline = spec.deadline { parts.append("deadline \(iso(deadline))") }
            return "apply-spec (operator): \(parts.joined(separator: ", "))\(outcome(execution))"
        case .mark(let value):
            return "mark \(value) (operator)\(outcome(execution))"
        case .changeFunction(let function):
            return "change-function to \(function) (operator)"
        case .park:
            return "park (operator)"
        case .discard:
            return "discard (operator)"
        case .returned(let token):
            if let execution, execution.returns == 0 {  // an uncounted return leaves returns ≥ 1
                return "returned undelivered (token \(token)), counted as a failed attempt\(outcome(execution))"
            }
            return "returned undelivered (token \(token)), not counted (\(execution?.returns ?? 0) in a row)"
        case .service(let service, let paused):
            return "\(paused ? "pause" : "resume") service \(service) (operator)"
        case .saga(let body):
            return body.text
        }
    }

    private static func describe(_ report: FailureReport) -> String {
        var text = report.error.message.isEmpty ? report.error.code : "\(report.error.code): \(report.error.message)"
        if report.recoverable != .unknown { text += " [\(report.recoverable)]" }
        return text
    }

    /// Where a rescheduling left the execution: ", retry at …" or ", parked (exhausted)".
    private static func outcome(_ execution: Execution?) -> String {
        guard let execution else { return "" }
        switch execution.status {
        case .failed: return execution.nextRetryAt.map { ", retry at \(iso($0))" } ?? ""
        case .parked: return ", parked (\(execution.parkReason.map { "\($0)" } ?? "?"))"
        case .prepared, .succeeded, .discarded: return ""
        }
    }

    /// The time format of summaries (`Timestamp.iso8601`).
    static func iso(_ time: Timestamp) -> String { time.iso8601 }
}
