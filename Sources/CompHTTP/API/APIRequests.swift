import CompModel
import CompWire
import Foundation

/// The checks and conversions from the API's requests to the broker's wire requests, by compctl's rules
/// (names of 1...256 bytes, durations as `DurationText` reads them, spec limits of the model). Each refusal
/// names the query parameter or body field.
enum APIRequests {
    typealias Schemas = Components.Schemas

    /// Where a filter came from: the list's query (400 `invalid_query`) or a bulk action's body (400
    /// `invalid_field`, fields prefixed `filter.`).
    enum Source {
        case query
        case body

        func problem(_ field: String, _ rule: String) -> APIProblem {
            switch self {
            case .query: .invalidQuery(field, rule)
            case .body: .invalidField("filter.\(field)", rule)
            }
        }
    }

    /// The filter fields of the list query and of a bulk action's body.
    struct FilterFields {
        var status: [Schemas.Status]?
        var parkReason: Schemas.ParkReason?
        var service: String?
        var processor: String?
        var function: String?
        var eventId: String?
        var correlationId: String?
        var errorCode: String?
        var recoverable: Schemas.Recoverable?
        var since: Date?
        var until: Date?
        var dueBefore: Date?

        /// Whether no field is set.
        var isEmpty: Bool {
            (status ?? []).isEmpty && parkReason == nil && service == nil && processor == nil && function == nil
                && eventId == nil && correlationId == nil && errorCode == nil && recoverable == nil && since == nil
                && until == nil && dueBefore == nil
        }
    }

    /// Checks a name (service, function, ...): 1...256 bytes of UTF-8, as compctl checks it.
    static func name(_ value: String?, _ field: String, _ problem: (String, String) -> APIProblem) throws(APIProblem) -> String? {
        guard let value else { return nil }
        guard !value.isEmpty else { throw problem(field, "must not be empty") }
        guard value.utf8.count <= WireLimits.maxNameBytes else {
            throw problem(field, "must be at most \(WireLimits.maxNameBytes) bytes of UTF-8; got \(value.utf8.count)")
        }
        return value
    }

    /// The wire filter for `fields`.
    static func filter(_ fields: FilterFields, from source: Source) throws(APIProblem) -> Filter {
        let check = source.problem
        var statuses: [UInt8] = []
        for status in fields.status ?? [] where !statuses.contains(APIMapping.wire(status)) {
            statuses.append(APIMapping.wire(status))
        }
        return Filter(
            statuses: statuses, parkReason: fields.parkReason.map(APIMapping.wire),
            service: try name(fields.service, "service", check), processor: try name(fields.processor, "processor", check),
            function: try name(fields.function, "function", check), eventId: try name(fields.eventId, "eventId", check),
            correlationId: try name(fields.correlationId, "correlationId", check),
            errorCode: try name(fields.errorCode, "errorCode", check),
            recoverable: fields.recoverable.map(APIMapping.wire),
            createdAfter: fields.since.map(APIMapping.milliseconds), createdBefore: fields.until.map(APIMapping.milliseconds),
            nextRetryBefore: fields.dueBefore.map(APIMapping.milliseconds))
    }

    /// A list cursor as the API hands it out: the last id (newest first), or the last row's next retry
    /// time and id (`<ms>_<id>`, by next retry). Opaque to clients.
    static func cursor(_ reply: ListReply, sort: ListSort) -> String? {
        guard reply.nextCursor != 0 else { return nil }
        switch sort {
        case .newest: return String(reply.nextCursor)
        case .nextRetry: return "\(reply.nextCursorKey ?? 0)_\(reply.nextCursor)"
        }
    }

    /// The wire cursor (and sort key) of an API cursor for `sort`.
    static func cursor(_ text: String?, sort: ListSort) throws(APIProblem) -> (cursor: Int64, key: Int64?) {
        guard let text else { return (0, nil) }
        let invalid = APIProblem.invalidQuery("cursor", "must be the nextCursor of a previous page with the same sort")
        switch sort {
        case .newest:
            guard let id = Int64(text), id > 0 else { throw invalid }
            return (id, nil)
        case .nextRetry:
            let parts = text.split(separator: "_", omittingEmptySubsequences: false)
            guard parts.count == 2, let key = Int64(parts[0]), let id = Int64(parts[1]), id > 0 else { throw invalid }
            return (id, key)
        }
    }

    /// The fields of an action, from either body.
    struct ActionFields {
        var action: Schemas.ActionName
        var force: Bool?
        var recoverable: Schemas.Recoverable?
        var spec: Schemas.SpecPatch?
        var function: String?
    }

    /// The wire action for `fields`, and whether it is forced; refuses a field that does not go with the
    /// action, and a missing one that must.
    static func action(_ fields: ActionFields) throws(APIProblem) -> (AdminAction, force: Bool) {
        let action = fields.action
        if fields.force == true, action != .retry { throw .invalidField("force", "true only with action retry") }
        if fields.recoverable != nil, action != .mark { throw .invalidField("recoverable", "only with action mark") }
        if fields.spec != nil, action != .applySpec { throw .invalidField("spec", "only with action applySpec") }
        if fields.function != nil, action != .changeFunction { throw .invalidField("function", "only with action changeFunction") }
        switch action {
        case .retry: return (.retryNow, fields.force ?? false)
        case .discard: return (.discard, false)
        case .park: return (.park, false)
        case .mark:
            guard let recoverable = fields.recoverable else {
                throw .invalidField("recoverable", "required with action mark: unknown, recoverable or unrecoverable")
            }
            return (.mark(APIMapping.wire(recoverable)), false)
        case .applySpec:
            guard let spec = fields.spec else { throw .invalidField("spec", "required with action applySpec") }
            return (.applySpec(try patch(spec)), false)
        case .changeFunction:
            guard let function = try name(fields.function, "function", APIProblem.invalidField) else {
                throw .invalidField("function", "required with action changeFunction")
            }
            return (.changeFunction(function), false)
        }
    }

    /// A spec patch by compctl's rules: at least one field; spans in 0...the model's limit (the execution
    /// timeout at least 1 ms), max backoff not below min backoff, retries and jitter in range.
    static func patch(_ spec: Schemas.SpecPatch) throws(APIProblem) -> RetrySpecPatch {
        let limitMs = UInt64(RetrySpec.spanLimit.milliseconds)
        let limitText = DurationText.format(milliseconds: limitMs)
        func span(_ value: Schemas.Duration?, _ field: String, atLeast minimum: UInt64 = 0) throws(APIProblem) -> UInt64? {
            let milliseconds: UInt64
            switch value {
            case nil: return nil
            case .case1(let text)?:
                guard let parsed = DurationText.milliseconds(text) else {
                    throw .invalidField("spec.\(field)", "must be \(DurationText.expectedForms), or milliseconds; got `\(text)`")
                }
                milliseconds = parsed
            case .case2(let number)?:
                guard number >= 0 else { throw .invalidField("spec.\(field)", "must not be negative; got \(number)") }
                milliseconds = UInt64(number)
            }
            guard milliseconds >= minimum, milliseconds <= limitMs else {
                throw .invalidField("spec.\(field)", "must be in \(DurationText.format(milliseconds: minimum))...\(limitText)")
            }
            return milliseconds
        }
        let min = try span(spec.minBackoff, "minBackoff")
        let max = try span(spec.maxBackoff, "maxBackoff")
        if let min, let max, max < min { throw .invalidField("spec.maxBackoff", "must be at least spec.minBackoff") }
        var patch = RetrySpecPatch(minBackoffMs: min, maxBackoffMs: max,
                                   executionTimeoutMs: try span(spec.executionTimeout, "executionTimeout", atLeast: 1))
        if let retries = spec.maxRetries {
            guard (0...Int64(RetrySpec.maxRetriesLimit)).contains(retries) else {
                throw .invalidField("spec.maxRetries", "must be in 0...\(RetrySpec.maxRetriesLimit)")
            }
            patch.maxRetries = UInt32(retries)
        }
        if let jitter = spec.jitterPermille {
            guard (0...1000).contains(jitter) else { throw .invalidField("spec.jitterPermille", "must be in 0...1000") }
            patch.jitterPermille = UInt16(jitter)
        }
        guard patch != RetrySpecPatch() else {
            throw .invalidField("spec", "give at least one of maxRetries, minBackoff, maxBackoff, executionTimeout, jitterPermille")
        }
        return patch
    }
}
