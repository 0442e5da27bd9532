import CompWire
import Foundation

/// Each operation's input (as the generated server decoded it) checked and turned into its wire request, before
/// anything is sent: `APIHandler` sends what these return; the HTTP fuzz target (Fuzz/HTTPTarget.swift) runs
/// them on every input it reaches the handler with.
extension APIRequests {
    /// The list request of `GET /api/v1/executions`.
    static func listRequest(_ query: Operations.ListExecutions.Input.Query) throws(APIProblem) -> ListRequest {
        let filter = try APIRequests.filter(
            APIRequests.FilterFields(
                status: query.status, parkReason: query.parkReason, service: query.service, processor: query.processor,
                function: query.function, eventId: query.eventId, correlationId: query.correlationId,
                errorCode: query.errorCode, recoverable: query.recoverable, since: query.since, until: query.until,
                dueBefore: query.dueBefore),
            from: .query)
        let sort: ListSort = query.sort == .nextRetry ? .nextRetry : .newest
        let limit = query.limit ?? 50
        guard (1...Int64(WireLimits.maxListItems)).contains(limit) else {
            throw APIProblem.invalidQuery("limit", "must be in 1...\(WireLimits.maxListItems)")
        }
        let (cursor, key) = try APIRequests.cursor(query.cursor, sort: sort)
        return ListRequest(filter: filter, cursor: cursor, limit: UInt16(limit), sort: sort, cursorKey: key)
    }

    /// The show request of `GET /api/v1/executions/{id}`.
    static func showRequest(_ input: Operations.GetExecution.Input) throws(APIProblem) -> ShowRequest {
        if let after = input.query.historyAfter, after < 0 {
            throw APIProblem.invalidQuery("historyAfter", "must not be negative")
        }
        return ShowRequest(executionId: input.path.id, historyAfter: input.query.historyAfter,
                           withPayload: input.query.payload ?? false)
    }

    /// The timeline request of `GET /api/v1/timeline/{correlationId}`.
    static func timelineRequest(_ input: Operations.GetTimeline.Input) throws(APIProblem) -> TimelineRequest {
        guard let correlationId = try name(input.path.correlationId, "correlationId", APIProblem.invalidQuery) else {
            throw APIProblem.invalidQuery("correlationId", "must not be empty")
        }
        return TimelineRequest(correlationId: correlationId)
    }

    /// The action and force flag of an action body.
    static func action(_ body: Schemas.ActionRequest) throws(APIProblem) -> (AdminAction, force: Bool) {
        try action(ActionFields(action: body.action, force: body.force, recoverable: body.recoverable, spec: body.spec,
                                function: body.function))
    }

    /// A bulk action body: its action, force flag, filter (at least one field set) and whether it is a dry run.
    static func bulkAction(_ body: Schemas.BulkActionRequest) throws(APIProblem)
        -> (action: AdminAction, force: Bool, filter: Filter, dryRun: Bool)
    {
        let (action, force) = try action(ActionFields(
            action: body.action, force: body.force, recoverable: body.recoverable, spec: body.spec, function: body.function))
        let fields = FilterFields(
            status: body.filter.status, parkReason: body.filter.parkReason, service: body.filter.service,
            processor: body.filter.processor, function: body.filter.function, eventId: body.filter.eventId,
            correlationId: body.filter.correlationId, errorCode: body.filter.errorCode, recoverable: body.filter.recoverable,
            since: body.filter.since, until: body.filter.until, dueBefore: body.filter.dueBefore)
        guard !fields.isEmpty else {
            throw APIProblem.invalidField("filter", "set at least one field (an empty filter would match every execution)")
        }
        return (action, force, try filter(fields, from: .body), body.dryRun == true)
    }

    /// The service of `POST /api/v1/services/{service}/pause` (and `resume`).
    static func service(_ text: String) throws(APIProblem) -> String {
        guard let service = try name(text, "service", APIProblem.invalidQuery) else {
            throw APIProblem.invalidQuery("service", "must not be empty")
        }
        return service
    }

    /// The saga list request of `GET /api/v1/sagas`.
    static func sagaListRequest(_ query: Operations.ListSagas.Input.Query) throws(APIProblem) -> SagaListRequest {
        let limit = query.limit ?? 50
        guard (1...Int64(WireLimits.maxListItems)).contains(limit) else {
            throw APIProblem.invalidQuery("limit", "must be in 1...\(WireLimits.maxListItems)")
        }
        let cursor = query.cursor ?? ""
        guard query.cursor != "", cursor.utf8.count <= WireLimits.maxMessageBytes else {
            throw APIProblem.invalidQuery("cursor", "not a cursor this broker gave")
        }
        return SagaListRequest(status: query.status.map(APISagaMapping.wire), cursor: cursor, limit: UInt16(limit))
    }

    /// The path's saga id, checked as compctl checks it (not empty, at most a name's length).
    static func sagaId(_ text: String) throws(APIProblem) -> String {
        guard let id = try name(text, "sagaId", APIProblem.invalidQuery) else {
            throw APIProblem.invalidQuery("sagaId", "must not be empty")
        }
        return id
    }
}
