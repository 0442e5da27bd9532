import CompModel

/// The one human line stored with each journal row.
enum Summary {
    /// The most UTF-8 bytes of a summary: the protocol's text limit (`WireLimits.maxMessageBytes`), so a
    /// history row always fits in a reply. Longer lines are cut by `TextLimit.truncate`.
    static let maxBytes = 4096

    /// The UTF-8 bytes of the line for a row with `body`, given the execution after it (nil for stale rows) and
    /// the row's seq, at most `maxBytes`: what the row's `summary` column stores. Bytes, not a `String`: a failure
    /// storm's lines go from the bytes they are built in to SQLite, without a string made and its UTF-8 checked
    /// for each (some 3 % of a storm's core instructions).
    static func utf8(_ body: EntryBody, after execution: Execution?, seq: Int64) -> [UInt8] {
        TextLimit.truncate(utf8: fullLine(body, after: execution, seq: seq), maxBytes: maxBytes)
    }

    private static func fullLine(_ body: EntryBody, after execution: Execution?, seq: Int64) -> [UInt8] {
        switch body {
        case .failure(let report, _):
            // The line of a failure storm's every record: its UTF-8 bytes appended into one reserved array.
            // Interpolation built and copied a string per piece, and `String.append` costs some 340 instructions
            // a call (callgrind: 4.4k instructions per new failure before, 3.1k after).
            var line = Line(capacity: Self.estimatedCount(report))
            line.append("failure ")
            append(report, to: &line)
            append(outcomeOf: execution, to: &line)
            return line.bytes
        case .leased(let holder):
            // Every compensation's lease writes one: built as the failure line is (interpolation was 5.3k
            // instructions a lease in callgrind of the whole loop).
            var line = Line(capacity: 56 + holder.utf8.count)
            line.append("leased to ")
            line.append(holder)
            line.append(" until ")
            if let lease = execution?.lease { line.append(lease.until) } else { line.append("?") }
            line.append(" (token ")
            line.append(String(seq))
            line.append(")")
            return line.bytes
        default:
            return Array(textLine(body, after: execution, seq: seq).utf8)
        }
    }

    /// The lines of the rows other than failures and leases, as text.
    private static func textLine(_ body: EntryBody, after execution: Execution?, seq: Int64) -> String {
        switch body {
        case .failure, .leased:  // built as bytes by `fullLine`
            return String(decoding: fullLine(body, after: execution, seq: seq), as: UTF8.self)
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
        private(set) var bytes: [UInt8] = []

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        mutating func append(_ piece: String) {
            if piece.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
                bytes.append(contentsOf: piece.utf8)
            }
        }

        /// Appends `time` as `Timestamp.iso8601` spells it, written straight into the bytes (no string of its own).
        mutating func append(_ time: Timestamp) {
            let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Timestamp.iso8601Count) { buffer in
                guard let count = time.writeISO8601(into: buffer) else { return false }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
                return true
            }
            if !written { append(time.iso8601) }
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
            line.append(next)
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
