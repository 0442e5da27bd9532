import CompModel
import CompWire
import Foundation

/// Conversions from the broker's wire replies to the API's JSON types (generated from the OpenAPI document).
enum APIMapping {
    typealias Schemas = Components.Schemas

    /// A wire time (ms since the epoch) as a date.
    static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// A date as wire time (ms since the epoch), rounded down to the millisecond.
    static func milliseconds(_ date: Date) -> Int64 {
        MillisecondDateTranscoder.milliseconds(date)
    }

    static func status(_ raw: UInt8) throws(APIProblem) -> Schemas.Status {
        guard let status = ExecutionStatus(rawValue: raw), let value = Schemas.Status(rawValue: "\(status)".lowercased()) else {
            throw APIProblem(.internalServerError, ErrorCode.internalError.name, "the broker sent status \(raw)")
        }
        return value
    }

    static func parkReason(_ raw: UInt8) -> Schemas.ParkReason? {
        ParkReason(rawValue: raw).flatMap { Schemas.ParkReason(rawValue: "\($0)") }
    }

    static func recoverable(_ raw: UInt8) -> Schemas.Recoverable {
        Recoverability(rawValue: raw).flatMap { Schemas.Recoverable(rawValue: "\($0)") } ?? .unknown
    }

    /// The wire status of an API status.
    static func wire(_ status: Schemas.Status) -> UInt8 {
        (ExecutionStatus(name: status.rawValue) ?? .failed).rawValue
    }

    /// The wire park reason of an API park reason.
    static func wire(_ reason: Schemas.ParkReason) -> UInt8 {
        (ParkReason(name: reason.rawValue) ?? .manual).rawValue
    }

    /// The wire recoverable mark of an API one.
    static func wire(_ recoverable: Schemas.Recoverable) -> UInt8 {
        (Recoverability(name: recoverable.rawValue) ?? .unknown).rawValue
    }

    static func execution(_ view: ExecutionView) throws(APIProblem) -> Schemas.Execution {
        var lease: Schemas.Lease?
        if let holder = view.leaseHolder, let until = view.leaseUntil {
            lease = Schemas.Lease(holder: holder, until: date(until), token: Int64(clamping: view.leaseToken ?? 0))
        }
        return Schemas.Execution(
            id: view.id, status: try status(view.status), parkReason: parkReason(view.parkReason),
            recoverable: recoverable(view.recoverable), markedByOperator: view.markedByOperator,
            retries: Int64(view.retries), maxRetries: Int64(view.spec.maxRetries),
            spec: Schemas.Spec(
                maxRetries: Int64(view.spec.maxRetries), minBackoffMs: Int64(clamping: view.spec.minBackoffMs),
                maxBackoffMs: Int64(clamping: view.spec.maxBackoffMs),
                executionTimeoutMs: Int64(clamping: view.spec.executionTimeoutMs),
                jitterPermille: Int64(view.spec.jitterPermille), deadline: view.spec.deadline.map(date)),
            service: view.service, processor: view.processor, function: view.function, eventId: view.eventId,
            correlationId: view.correlationId,
            error: Schemas.ErrorInfo(code: view.error.code, message: view.error.message, details: view.error.detail),
            nextRetryAt: view.nextRetryAt.map(date), lease: lease, payloadBytes: Int64(view.payloadBytes),
            createdAt: date(view.createdAt), updatedAt: date(view.updatedAt))
    }

    /// A record id as 32 hex digits.
    static func recordId(_ id: UInt128) -> String {
        let hex = String(id, radix: 16)
        return String(repeating: "0", count: max(0, 32 - hex.count)) + hex
    }

    static func history(_ entry: HistoryEntry) -> Schemas.HistoryEntry {
        Schemas.HistoryEntry(seq: entry.seq, at: date(entry.at), kind: entry.kind, recordId: entry.recordId.map(recordId),
                             summary: entry.summary, actor: entry.actor)
    }

    /// A payload: its text when it is UTF-8, else base64.
    static func payload(_ bytes: [UInt8]) -> Schemas.Payload {
        if let text = String(validating: bytes, as: UTF8.self) {
            return Schemas.Payload(encoding: .utf8, data: text, bytes: Int64(bytes.count))
        }
        return Schemas.Payload(encoding: .base64, data: Data(bytes).base64EncodedString(), bytes: Int64(bytes.count))
    }

    static func detail(_ reply: ShowReply) throws(APIProblem) -> Schemas.ExecutionDetail {
        Schemas.ExecutionDetail(
            execution: try execution(reply.execution), history: reply.history.map(history),
            nextHistoryAfter: reply.nextHistoryAfter, payload: reply.payload.map(payload))
    }

    static func timeline(_ reply: TimelineReply) throws(APIProblem) -> Schemas.Timeline {
        var executions: [Schemas.Execution] = []
        for view in reply.executions { executions.append(try execution(view)) }
        return Schemas.Timeline(
            executions: executions,
            entries: reply.entries.map {
                Schemas.TimelineEntry(executionId: $0.executionId, seq: $0.entry.seq, at: date($0.entry.at), kind: $0.entry.kind,
                                      recordId: $0.entry.recordId.map(recordId), summary: $0.entry.summary, actor: $0.entry.actor)
            },
            omittedExecutions: Int64(reply.omittedExecutions ?? 0), omittedEntries: Int64(reply.omittedEntries ?? 0))
    }

    static func service(_ stats: ServiceStats) -> Schemas.Service {
        Schemas.Service(service: stats.service, paused: stats.paused, inFlight: Int64(stats.inFlight),
                        waitingFetches: Int64(stats.waitingFetches))
    }

    static func stats(_ reply: StatsReply) throws(APIProblem) -> Schemas.Stats {
        var counts: [Schemas.StatusCount] = []
        var byStatus: [ExecutionStatus: Int64] = [:]
        var parked: [ParkReason: Int64] = [:]
        for count in reply.counts {
            let value = Int64(clamping: count.count)
            counts.append(Schemas.StatusCount(status: try status(count.status), parkReason: parkReason(count.parkReason), count: value))
            if let status = ExecutionStatus(rawValue: count.status) { byStatus[status, default: 0] += value }
            if count.status == ExecutionStatus.parked.rawValue, let reason = ParkReason(rawValue: count.parkReason) {
                parked[reason, default: 0] += value
            }
        }
        let views = Schemas.Views(
            toRetry: byStatus[.failed] ?? 0, dueNow: reply.dueNow.map { Int64(clamping: $0) }, executing: byStatus[.prepared] ?? 0,
            parked: Schemas.ParkedViews(exhausted: parked[.exhausted] ?? 0, unrecoverable: parked[.unrecoverable] ?? 0,
                                        deadline: parked[.deadline] ?? 0, manual: parked[.manual] ?? 0),
            succeeded: byStatus[.succeeded] ?? 0, discarded: byStatus[.discarded] ?? 0)
        return Schemas.Stats(
            counts: counts, views: views, services: reply.services.map(service),
            records: Schemas.RecordCounts(
                accepted: Int64(clamping: reply.recordsAccepted), duplicate: Int64(clamping: reply.recordsDuplicate),
                stale: Int64(clamping: reply.recordsStale), rejected: Int64(clamping: reply.recordsRejected),
                successesNotHeld: Int64(clamping: reply.successesNotHeld)),
            commandsDispatched: Int64(clamping: reply.commandsDispatched), leasesExpired: Int64(clamping: reply.leasesExpired),
            uptimeMs: Int64(clamping: reply.uptimeMs), overview: reply.overview.map(overview))
    }

    static func overview(_ overview: Overview) -> Schemas.Overview {
        Schemas.Overview(
            bucketMs: Int64(clamping: overview.bucketMs), since: date(overview.since),
            series: overview.series.map { Schemas.ServiceSeries(service: $0.service, counts: $0.counts.map { Int64(clamping: $0) }) },
            topErrorsHour: overview.topErrorsHour.map { Schemas.ErrorCount(code: $0.code, count: Int64(clamping: $0.count)) },
            topErrorsDay: overview.topErrorsDay.map { Schemas.ErrorCount(code: $0.code, count: Int64(clamping: $0.count)) })
    }

    static func result(_ reply: ActionReply) -> Schemas.ActionResult {
        Schemas.ActionResult(
            matched: Int64(reply.matched), changed: Int64(reply.changed),
            failures: reply.failures.map {
                Schemas.ActionFailure(executionId: $0.executionId, code: ErrorCode(rawValue: $0.code)?.name ?? "error_\($0.code)",
                                      message: $0.message)
            })
    }
}
