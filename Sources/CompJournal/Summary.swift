import CompModel

/// The one human line stored with each journal row.
enum Summary {
    /// The line for a row with `body`, given the execution after it (nil for stale rows) and the row's seq.
    static func line(_ body: EntryBody, after execution: Execution?, seq: Int64) -> String {
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

    /// `2024-05-01T12:00:00.000Z` for a timestamp (proleptic Gregorian, UTC).
    static func iso(_ time: Timestamp) -> String {
        let millis = time.milliseconds
        let (days, dayMillis) = floorDivide(millis, 86_400_000)
        // Civil date from days since the epoch (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let seconds = dayMillis / 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):"
            + "\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(dayMillis % 1000, 3))Z"
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
