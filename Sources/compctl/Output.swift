import CompModel
import CompWire
import Foundation

/// Names of the wire's small enums, as operators read them.
enum Names {
    static let statuses = [1: "FAILED", 2: "PREPARED", 3: "SUCCEEDED", 4: "PARKED", 5: "DISCARDED"]
    static let reasons = [1: "exhausted", 2: "unrecoverable", 3: "deadline", 4: "manual"]
    static let recoverability = [0: "unknown", 1: "recoverable", 2: "unrecoverable"]

    /// The name of a record outcome.
    static func outcome(_ status: OutcomeStatus) -> String {
        switch status {
        case .accepted: "accepted"
        case .duplicate: "duplicate"
        case .stale: "stale"
        case .rejected: "rejected"
        }
    }

    /// The snake_case name of an error code, or its number when this compctl does not know it.
    static func code(_ raw: UInt16) -> String { ErrorCode(rawValue: raw).map { "\($0)" } ?? "\(raw)" }

    /// The wire value of a `--recoverable yes|no|unknown` option (validated before).
    static func recoverableCode(_ option: String) -> UInt8 { ["yes": 1, "no": 2][option] ?? 0 }

    static func status(_ raw: UInt8) -> String { statuses[Int(raw)] ?? "STATUS_\(raw)" }
    static func reason(_ raw: UInt8) -> String? { raw == 0 ? nil : (reasons[Int(raw)] ?? "reason_\(raw)") }
    static func recoverable(_ raw: UInt8) -> String { recoverability[Int(raw)] ?? "unknown" }

    /// The wire value of a recoverable filter word (unknown, recoverable, unrecoverable), or nil.
    static func recoverabilityCode(_ name: String) -> UInt8? {
        recoverability.first { $0.value == name.lowercased() }.map { UInt8($0.key) }
    }

    static func statusCode(_ name: String) -> UInt8? {
        statuses.first { $0.value == name.uppercased() }.map { UInt8($0.key) }
    }

    static func reasonCode(_ name: String) -> UInt8? {
        reasons.first { $0.value == name.lowercased() }.map { UInt8($0.key) }
    }

    /// ISO-8601 UTC with milliseconds (`Timestamp.iso8601`, the one time format).
    static func time(_ ms: Int64) -> String { Timestamp(milliseconds: ms).iso8601 }
}

/// JSON of an execution.
struct ExecutionJSON: Encodable {
    struct ErrorJSON: Encodable {
        let code: String
        let message: String
        let detail: String?
    }

    struct SpecJSON: Encodable {
        let maxRetries: UInt32
        let minBackoff: String
        let maxBackoff: String
        let executionTimeout: String
        let jitterPermille: UInt16
        let deadline: String?
    }

    struct LeaseJSON: Encodable {
        let holder: String
        let until: String
        let token: UInt64
    }

    let id: Int64
    let status: String
    let parkReason: String?
    let recoverable: String
    let markedByOperator: Bool
    let retries: UInt32
    let maxRetries: UInt32
    let service: String
    let processor: String
    let function: String
    let eventId: String
    let correlationId: String?
    let nextRetryAt: String?
    let lease: LeaseJSON?
    let error: ErrorJSON
    let spec: SpecJSON
    let payloadBytes: UInt32
    let createdAt: String
    let updatedAt: String

    private enum CodingKeys: String, CodingKey {
        case id, status, parkReason, recoverable, markedByOperator, retries, maxRetries, service
        case processor, function, eventId, correlationId, nextRetryAt, lease, error, spec
        case payloadBytes, createdAt, updatedAt
    }

    /// Writes absent values as `null` so every key is always present.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(parkReason, forKey: .parkReason)
        try container.encode(recoverable, forKey: .recoverable)
        try container.encode(markedByOperator, forKey: .markedByOperator)
        try container.encode(retries, forKey: .retries)
        try container.encode(maxRetries, forKey: .maxRetries)
        try container.encode(service, forKey: .service)
        try container.encode(processor, forKey: .processor)
        try container.encode(function, forKey: .function)
        try container.encode(eventId, forKey: .eventId)
        try container.encode(correlationId, forKey: .correlationId)
        try container.encode(nextRetryAt, forKey: .nextRetryAt)
        try container.encode(lease, forKey: .lease)
        try container.encode(error, forKey: .error)
        try container.encode(spec, forKey: .spec)
        try container.encode(payloadBytes, forKey: .payloadBytes)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }

    init(_ view: ExecutionView, detail: Bool = false) {
        id = view.id
        status = Names.status(view.status)
        parkReason = Names.reason(view.parkReason)
        recoverable = Names.recoverable(view.recoverable)
        markedByOperator = view.markedByOperator
        retries = view.retries
        maxRetries = view.spec.maxRetries
        service = view.service
        processor = view.processor
        function = view.function
        eventId = view.eventId
        correlationId = view.correlationId.isEmpty ? nil : view.correlationId
        nextRetryAt = view.nextRetryAt.map(Names.time)
        if let holder = view.leaseHolder, let until = view.leaseUntil {
            lease = LeaseJSON(holder: holder, until: Names.time(until), token: view.leaseToken ?? 0)
        } else {
            lease = nil
        }
        error = ErrorJSON(code: view.error.code, message: view.error.message, detail: detail && !view.error.detail.isEmpty ? view.error.detail : nil)
        spec = SpecJSON(
            maxRetries: view.spec.maxRetries, minBackoff: DurationText.format(milliseconds: view.spec.minBackoffMs),
            maxBackoff: DurationText.format(milliseconds: view.spec.maxBackoffMs),
            executionTimeout: DurationText.format(milliseconds: view.spec.executionTimeoutMs),
            jitterPermille: view.spec.jitterPermille, deadline: view.spec.deadline.map(Names.time))
        payloadBytes = view.payloadBytes
        createdAt = Names.time(view.createdAt)
        updatedAt = Names.time(view.updatedAt)
    }
}

/// JSON of a history entry; `actor` is present on rows of operator actions.
struct HistoryJSON: Encodable {
    let seq: Int64
    let at: String
    let kind: String
    let summary: String
    let actor: String?

    init(_ entry: HistoryEntry) {
        seq = entry.seq
        at = Names.time(entry.at)
        kind = entry.kind
        summary = entry.summary
        actor = entry.actor
    }
}

/// A history row for people: seq, time, kind, summary, and who did it (operator actions).
func historyLine(_ entry: HistoryEntry) -> String {
    "\(entry.seq)  \(Names.time(entry.at))  \(entry.kind)  \(entry.summary)\(entry.actor.map { "  by \($0)" } ?? "")"
}

/// Prints JSON on stdout.
func printJSON(_ value: some Encodable) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8) {
        print(text)
    }
}

/// One line per execution, for `show`.
func line(_ view: ExecutionView) -> String {
    var text = "\(view.id)  \(status(view))  \(view.retries)/\(view.spec.maxRetries)  \(view.service)/\(view.processor)/\(view.function)  event=\(view.eventId)"
    text += extras(view)
    return text
}

/// The optional columns of a row: correlation, next retry, and the error (not for SUCCEEDED rows,
/// whose last error is history).
private func extras(_ view: ExecutionView) -> String {
    var text = ""
    if !view.correlationId.isEmpty { text += "  correlation=\(view.correlationId)" }
    if let next = view.nextRetryAt { text += "  next=\(Names.time(next))" }
    if !view.error.code.isEmpty, view.status != 3 { text += "  error=\(view.error.code)" }
    return text
}

/// The `list` table: a header row, then one aligned row per execution.
func table(_ views: [ExecutionView]) -> String {
    let header = ["ID", "STATUS", "RETRIES/MAX", "SERVICE/PROCESSOR/FUNCTION", "EVENT"]
    let rows = views.map { view in
        ["\(view.id)", status(view), "\(view.retries)/\(view.spec.maxRetries)",
         "\(view.service)/\(view.processor)/\(view.function)", view.eventId]
    }
    var widths = header.map(\.count)
    for row in rows {
        for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func render(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            cell + String(repeating: " ", count: widths[index] - cell.count)
        }.joined(separator: "  ")
    }
    var lines = [render(header) + "  DETAILS"]
    for (view, row) in zip(views, rows) { lines.append(render(row) + extras(view)) }
    return lines.joined(separator: "\n")
}

/// The overview of `compctl stats` for people.
enum StatsText {
    /// Failures per service over the overview's buckets (oldest first) and the top error codes; each line
    /// ends with a newline.
    static func overview(_ overview: Overview) -> String {
        var text = "failures since \(Names.time(overview.since)), per \(DurationText.format(milliseconds: overview.bucketMs)) (oldest first):\n"
        if overview.series.isEmpty { text += "  none\n" }
        for series in overview.series {
            let total = series.counts.reduce(0, +)
            text += "  \(series.service): \(total) in all: \(series.counts.map(String.init).joined(separator: " "))\n"
        }
        text += "top error codes, last hour: \(codes(overview.topErrorsHour))\n"
        text += "top error codes, last day: \(codes(overview.topErrorsDay))\n"
        return text
    }

    private static func codes(_ counts: [ErrorCount]) -> String {
        counts.isEmpty ? "none" : counts.map { "\($0.code) \($0.count)" }.joined(separator: ", ")
    }
}
