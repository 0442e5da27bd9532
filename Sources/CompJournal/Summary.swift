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
            // The line of a failure storm's every record: its UTF-8 bytes appended into one reserved array, then one
            // String. Interpolation built and copied a string per piece, and `String.append` costs some 340
            // instructions a call (callgrind: 4.4k instructions per new failure before, 3.1k after).
            var line = Line(capacity: Self.estimatedCount(report))
            line.append("failure ")
            append(report, to: &line)
            append(outcomeOf: execution, to: &line)
            return line.text
        case .success:
            return "success"
        case .failureResult(let token, let report):
            var line = Line(capacity: Self.estimatedCount(report) + 32)
            line.append("failure result ")
            append(report, to: &line)
            line.append(" (token ")
            line.append(String(token))
            line.append(")")
            append(outcomeOf: execution, to: &line)
            return line.text
        case .successResult(let token):
            return "success result (token \(token))"
        case .stale(let kind, let token, let report):
            let what = kind == .failureResult ? "failure result" : "success result"
            return "stale \(what) (token \(token) is not current)\(report.map { ": " + describe($0) } ?? "")"
        case .leased(let holder):
            // Every compensation's lease writes one: built as the failure line is (interpolation was 5.3k
            // instructions a lease in callgrind of the whole loop).
            var line = Line(capacity: 56 + holder.utf8.count)
            line.append("leased to ")
            line.append(holder)
            line.append(" until ")
            line.append(execution?.lease.map { iso($0.until) } ?? "?")
            line.append(" (token ")
            line.append(String(seq))
            line.append(")")
            return line.text
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
        case .started:
            let until = execution?.lease.map { iso($0.until) } ?? "?"
            return "started (intent): leased to \(intentLeaseHolder) until \(until) (token \(seq))"
        case .saga(let body):
            return body.text
        }
    }

    /// A line's UTF-8 bytes, built by appending.
    private struct Line {
        private var bytes: [UInt8] = []

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        mutating func append(_ piece: String) {
            if piece.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
                bytes.append(contentsOf: piece.utf8)
            }
        }

        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private static func describe(_ report: FailureReport) -> String {
        var line = Line(capacity: estimatedCount(report))
        append(report, to: &line)
        return line.text
    }

    /// "CODE: message [recoverability]" (the message and the mark only when present).
    private static func append(_ report: FailureReport, to line: inout Line) {
        line.append(report.error.code)
        if !report.error.message.isEmpty {
            line.append(": ")
            line.append(report.error.message)
        }
        if report.recoverable != .unknown {
            line.append(" [")
            line.append("\(report.recoverable)")
            line.append("]")
        }
    }

    /// The UTF-8 bytes a failure line with `report` takes, about: what to reserve.
    private static func estimatedCount(_ report: FailureReport) -> Int {
        report.error.code.utf8.count + report.error.message.utf8.count + 64
    }

    /// Where a rescheduling left the execution: ", retry at …" or ", parked (exhausted)".
    private static func outcome(_ execution: Execution?) -> String {
        var line = Line(capacity: 40)
        append(outcomeOf: execution, to: &line)
        return line.text
    }

    private static func append(outcomeOf execution: Execution?, to line: inout Line) {
        guard let execution else { return }
        switch execution.status {
        case .failed:
            guard let next = execution.nextRetryAt else { return }
            line.append(", retry at ")
            line.append(iso(next))
        case .parked:
            line.append(", parked (")
            line.append(execution.parkReason.map { "\($0)" } ?? "?")
            line.append(")")
        case .prepared, .succeeded, .discarded:
            return
        }
    }

    /// The time format of summaries (`Timestamp.iso8601`).
    static func iso(_ time: Timestamp) -> String { time.iso8601 }
}
