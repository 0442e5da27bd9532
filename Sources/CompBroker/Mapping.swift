import CompJournal
import CompModel
import CompWire

/// Conversions between wire messages and the domain model. Validation of records lives here too:
/// everything the codec cannot know (empty key parts, a failure without an error, a bad spec).
enum Mapping {
    /// Why a record is refused before it reaches the journal: the stable code, and which field
    /// broke which rule as `field: rule` (RecordOutcome's detail, PROTOCOL.md section 8.2).
    struct Rejection: Error, Equatable {
        /// The stable code.
        var code: ErrorCode
        /// `field: rule`, e.g. `service: must not be empty`.
        var detail: String

        /// The record's outcome on the wire.
        var outcome: RecordOutcome { RecordOutcome(status: .rejected, code: code.rawValue, detail: detail) }
    }

    /// Maps one wire record to a journal record, or the rejection to answer it with.
    static func incoming(_ record: Record, defaults: RetrySpec) -> Result<IncomingRecord, Rejection> {
        // Field by field: an array of (name, value) pairs cost an allocation and its teardown per record.
        if let empty = record.service.isEmpty ? "service" : record.processor.isEmpty ? "processor"
            : record.function.isEmpty ? "function" : record.eventId.isEmpty ? "eventId" : nil {
            return .failure(Rejection(code: .invalidRecord, detail: "\(empty): must not be empty"))
        }
        let key = ExecutionKey(
            service: record.service, processor: record.processor, function: record.function,
            eventId: record.eventId)
        let recordId = RecordID(high: UInt64(truncatingIfNeeded: record.id >> 64), low: UInt64(truncatingIfNeeded: record.id))
        var failure: FailureReport?
        if record.kind == .failure {
            guard let error = record.error else {
                return .failure(Rejection(code: .invalidRecord, detail: "error: a failure must carry an error"))
            }
            let hint = record.recoverable.flatMap(Recoverability.init(rawValue:)) ?? .unknown
            failure = FailureReport(
                error: ErrorInfo(code: error.code, message: error.message, detail: error.detail),
                recoverable: hint, occurredAt: Timestamp(milliseconds: record.occurredAt))
        }
        var spec = defaults
        if let patch = record.retrySpec {
            spec = defaults.merging(override(patch))
            do throws(ModelError) {
                try spec.validate()
            } catch {
                return .failure(Rejection(code: .invalidRetrySpec, detail: specDetail(error)))
            }
        }
        if record.kind == .started, record.lease != nil {
            return .failure(Rejection(code: .invalidRecord, detail: "lease: a started record must not carry a lease"))
        }
        let lease = record.lease.map { (executionId: ExecutionID($0.executionId), token: $0.token) }
        let kind: IncomingRecord.Kind = switch record.kind {
        case .failure: .failure
        case .success: .success
        case .started: .started
        }
        var saga: SagaRecordRef?
        if let ref = record.saga {
            switch sagaRef(ref, correlationId: record.correlationId ?? "", defaults: defaults) {
            case .success(let resolved): saga = resolved
            case .failure(let rejection): return .failure(rejection)
            }
        }
        return .success(
            IncomingRecord(
                id: recordId, kind: kind, key: key,
                correlationId: record.correlationId ?? "", failure: failure, spec: spec,
                payload: record.payload ?? [], lease: lease, saga: saga,
                occurredAt: record.kind == .started ? Timestamp(milliseconds: record.occurredAt) : nil))
    }

    /// A wire spec patch as a model override; values beyond Int64 saturate (and then fail validation).
    static func override(_ patch: RetrySpecPatch) -> RetrySpecOverride {
        RetrySpecOverride(
            maxRetries: patch.maxRetries.map { Int($0) },
            minBackoff: patch.minBackoffMs.map(span),
            maxBackoff: patch.maxBackoffMs.map(span),
            executionTimeout: patch.executionTimeoutMs.map(span),
            jitterPermille: patch.jitterPermille.map { Int($0) },
            deadline: patch.deadline.map { Timestamp(milliseconds: $0) })
    }

    private static func span(_ milliseconds: UInt64) -> TimeSpan {
        TimeSpan(milliseconds: Int64(clamping: milliseconds))
    }

    /// The outcome of one record of `kind` on the wire; a `started` record's accepted (or duplicate)
    /// outcome carries its intent's lease token (tag 2).
    static func outcome(_ result: RecordResult, kind: RecordKind) -> RecordOutcome {
        let token = kind == .started ? result.intentLeaseToken : nil
        switch result {
        case .accepted(let id): return RecordOutcome(status: .accepted, executionId: id, leaseToken: token)
        case .duplicate(let id): return RecordOutcome(status: .duplicate, executionId: id ?? 0, leaseToken: token)
        default: return outcome(result)
        }
    }

    /// The outcome of one record on the wire.
    static func outcome(_ result: RecordResult) -> RecordOutcome {
        switch result {
        case .accepted(let id): RecordOutcome(status: .accepted, executionId: id)
        case .notHeld: RecordOutcome(status: .accepted, executionId: 0)
        case .duplicate(let id): RecordOutcome(status: .duplicate, executionId: id ?? 0)
        case .stale(let id): RecordOutcome(status: .stale, executionId: id)
        case .rejected(let rejection):
            RecordOutcome(status: .rejected, code: code(rejection).rawValue, detail: detail(rejection))
        }
    }

    /// The stable code for a journal rejection.
    static func code(_ rejection: JournalRejection) -> ErrorCode {
        switch rejection {
        case .unknownExecution: .unknownExecution
        case .keyMismatch: .keyMismatch
        case .keyConflict: .keyConflict
        case .model(let error): code(error)
        case .unknownSaga: .invalidField
        case .sagaInvalid: .invalidRecord
        case .sagaNotRunning: .notAllowed
        case .sagaAborted: .sagaAborted
        case .sagaConflict: .keyConflict
        }
    }

    /// The stable code for a model refusal.
    static func code(_ error: ModelError) -> ErrorCode {
        switch error {
        case .invalidSpec: .invalidRetrySpec
        case .stale: .staleLease
        case .duplicate: .notAllowed
        case .notAllowed: .notAllowed
        case .notDue: .notAllowed
        case .unchanged: .unchanged
        }
    }

    /// The `field: rule` detail of a journal rejection.
    static func detail(_ rejection: JournalRejection) -> String {
        switch rejection {
        case .unknownExecution: "lease.executionId: must name an execution"
        case .keyMismatch: "lease.executionId: must name an execution of this record's key"
        case .keyConflict: "eventId: an open execution holds this key"
        case .model(let error): specDetail(error)
        case .unknownSaga: "sagaId: no saga has this id"
        case .sagaNotRunning(let status): "sagaId: the saga is \(status), not RUNNING"
        case .sagaInvalid(let text): text
        case .sagaAborted(let id, let status): "saga: \(id) is \(status)"
        case .sagaConflict: "steps: the saga is declared with other steps"
        }
    }

    /// A model refusal as `field: rule`; a spec refusal is prefixed with `retrySpec.`.
    static func specDetail(_ error: ModelError) -> String {
        if case .invalidSpec(let text) = error { return "retrySpec.\(text)" }
        return "record: \(error.description)"
    }

    /// A human line for a journal rejection.
    static func describe(_ rejection: JournalRejection) -> String {
        switch rejection {
        case .unknownExecution: "no execution has that id"
        case .keyMismatch: "the execution belongs to another key"
        case .keyConflict: "another open execution already has that key"
        case .model(let error): error.description
        case .unknownSaga, .sagaNotRunning, .sagaInvalid, .sagaAborted, .sagaConflict: detail(rejection)
        }
    }

    /// The full spec on the wire.
    static func fields(_ spec: RetrySpec) -> RetrySpecFields {
        RetrySpecFields(
            maxRetries: UInt32(clamping: spec.maxRetries),
            minBackoffMs: UInt64(clamping: spec.minBackoff.milliseconds),
            maxBackoffMs: UInt64(clamping: spec.maxBackoff.milliseconds),
            executionTimeoutMs: UInt64(clamping: spec.executionTimeout.milliseconds),
            jitterPermille: UInt16(clamping: spec.jitterPermille),
            deadline: spec.deadline?.milliseconds)
    }

    /// An execution as the admin API shows it.
    static func view(_ execution: Execution) -> ExecutionView {
        ExecutionView(
            id: execution.id, status: execution.status.rawValue,
            parkReason: execution.parkReason?.rawValue ?? 0,
            recoverable: execution.recoverable.rawValue, markedByOperator: execution.markedByOperator,
            retries: UInt32(clamping: execution.retries), spec: fields(execution.spec),
            service: execution.key.service, processor: execution.key.processor,
            function: execution.key.function, eventId: execution.key.eventId,
            correlationId: execution.correlationId,
            error: ErrorDetails(
                code: execution.lastError.code, message: execution.lastError.message,
                detail: execution.lastError.detail),
            nextRetryAt: execution.nextRetryAt?.milliseconds, leaseHolder: execution.lease?.holder,
            leaseUntil: execution.lease?.until.milliseconds, leaseToken: execution.lease?.token,
            payloadBytes: UInt32(clamping: execution.payload.count),
            createdAt: execution.createdAt.milliseconds, updatedAt: execution.updatedAt.milliseconds)
    }

    /// A leased execution as a retry command.
    static func command(_ execution: Execution) -> RetryCommand {
        RetryCommand(
            executionId: execution.id, attempt: UInt32(clamping: execution.retries),
            leaseToken: execution.lease?.token ?? 0,
            leaseDeadline: execution.lease?.until.milliseconds ?? 0,
            service: execution.key.service, processor: execution.key.processor,
            function: execution.key.function, eventId: execution.key.eventId,
            correlationId: execution.correlationId,
            lastError: ErrorDetails(
                code: execution.lastError.code, message: execution.lastError.message,
                detail: execution.lastError.detail),
            payload: execution.payload)
    }

    /// A state change as an event.
    static func event(_ change: StateChange) -> Event {
        let execution = change.execution
        return Event(
            seq: change.seq, at: change.at.milliseconds, executionId: execution.id, kind: change.kind,
            status: execution.status.rawValue, parkReason: execution.parkReason?.rawValue ?? 0,
            retries: UInt32(clamping: execution.retries), service: execution.key.service,
            processor: execution.key.processor, function: execution.key.function,
            eventId: execution.key.eventId, correlationId: execution.correlationId,
            errorCode: execution.lastError.code, errorMessage: execution.lastError.message, actor: change.actor)
    }

    /// A journal entry as a history entry.
    static func history(_ entry: JournalEntry) -> HistoryEntry {
        HistoryEntry(
            seq: entry.seq, at: entry.at.milliseconds, kind: entry.kind,
            recordId: entry.recordId.map { UInt128($0.high) << 64 | UInt128($0.low) },
            summary: entry.summary, actor: entry.actor)
    }

    /// A wire filter as a journal filter, or the code to refuse it with.
    static func filter(_ filter: Filter) -> Result<ExecutionFilter, ErrorCode> {
        var statuses = Set<ExecutionStatus>()
        for raw in filter.statuses {
            guard let status = ExecutionStatus(rawValue: raw) else { return .failure(.invalidField) }
            statuses.insert(status)
        }
        var reason: ParkReason?
        if let raw = filter.parkReason, raw != 0 {
            guard let parsed = ParkReason(rawValue: raw) else { return .failure(.invalidField) }
            reason = parsed
        }
        var recoverable: Recoverability?
        if let raw = filter.recoverable {
            guard let parsed = Recoverability(rawValue: raw) else { return .failure(.invalidField) }
            recoverable = parsed
        }
        return .success(
            ExecutionFilter(
                statuses: statuses, parkReason: reason, service: filter.service,
                processor: filter.processor, function: filter.function, eventId: filter.eventId,
                correlationId: filter.correlationId, errorCode: filter.errorCode, recoverable: recoverable,
                createdAfter: filter.createdAfter.map { Timestamp(milliseconds: $0) },
                createdBefore: filter.createdBefore.map { Timestamp(milliseconds: $0) },
                nextRetryBefore: filter.nextRetryBefore.map { Timestamp(milliseconds: $0) }))
    }

    /// The journal's order and start position of a list request, or the `field: rule` to refuse it with
    /// (`invalid_field`).
    static func listPosition(_ request: ListRequest) -> Result<(ExecutionOrder, ListPosition?), Refusal> {
        guard request.cursor >= 0 else { return .failure(Refusal("ListRequest.cursor: must not be negative")) }
        switch request.sort {
        case .newest:
            return .success((.newest, request.cursor > 0 ? ListPosition(id: request.cursor) : nil))
        case .nextRetry:
            guard request.cursor > 0 else { return .success((.nextRetry, nil)) }
            guard let key = request.cursorKey else {
                return .failure(Refusal("ListRequest.cursorKey: required with sort nextRetry and a cursor"))
            }
            return .success((.nextRetry, ListPosition(id: request.cursor, key: Timestamp(milliseconds: key))))
        }
    }

    /// A request field that breaks a rule: `field: rule` (PROTOCOL.md section 8.2).
    struct Refusal: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// The failure overview on the wire: hour buckets, one series per service, the top codes.
    static func overview(_ overview: FailureOverview) -> Overview {
        Overview(
            bucketMs: UInt64(clamping: FailureOverview.bucket.milliseconds), since: overview.since.milliseconds,
            series: overview.series.prefix(WireLimits.maxSmallList).map {
                ServiceSeries(service: $0.service, counts: $0.counts.map { UInt64(clamping: $0) })
            },
            topErrorsHour: overview.topHour.map { ErrorCount(code: $0.code, count: UInt64(clamping: $0.count)) },
            topErrorsDay: overview.topDay.map { ErrorCount(code: $0.code, count: UInt64(clamping: $0.count)) })
    }

    /// The core's action for a wire action; nil for service-level actions (pause, resume).
    static func action(_ action: AdminAction, force: Bool = false) -> Result<OperatorAction, ErrorCode>? {
        if force, action != .retryNow { return .failure(.invalidField) }
        switch action {
        case .retryNow: return .success(force ? .forceRetry : .retryNow)
        case .discard: return .success(.discard)
        case .park: return .success(.park)
        case .mark(let raw):
            guard let value = Recoverability(rawValue: raw) else { return .failure(.invalidField) }
            return .success(.mark(value))
        case .applySpec(let patch):
            return .success(.applySpec(override(patch)))
        case .changeFunction(let function):
            guard !function.isEmpty else { return .failure(.invalidField) }
            return .success(.changeFunction(function))
        case .pause, .resume:
            return nil
        }
    }

    /// The reply to an action: an error frame when it aimed at one execution and that one was refused,
    /// else an ActionReply.
    static func reply(_ outcome: ActionOutcome) -> Message {
        let failures = outcome.failures.map {
            ActionFailure(executionId: $0.executionId, code: code($0.rejection).rawValue,
                          message: $0.rejection == .unknownExecution ? "no execution has id \($0.executionId)" : describe($0.rejection))
        }
        if outcome.matched == 1, outcome.changed == 0, failures.count == 1, let failure = failures.first {
            return .error(ErrorReply(code: failure.code, message: failure.message))
        }
        return .actionReply(ActionReply(
            matched: UInt32(clamping: outcome.matched), changed: UInt32(clamping: outcome.changed),
            failures: Array(failures.prefix(WireLimits.maxSmallList))))
    }

    /// The error frame for work the core did not do.
    static func reply(_ error: CoreError) -> Message {
        let (code, text): (ErrorCode, String) =
            switch error {
            case .storageFailure(let text): (.storageFailure, "the journal could not commit (\(text)); resend later with the same record ids")
            case .overloaded: (.overloaded, "the broker is busy; resend later with the same record ids")
            case .shuttingDown: (.shuttingDown, "the broker is stopping; resend later with the same record ids")
            case .replaced: (.unexpectedMessage, "a newer fetch from the same instance replaced this one")
            case .rejected(let rejection): (code(rejection), describe(rejection))
            case .invalid(let text): (.invalidField, text)
            case .forbidden(let text): (.forbidden, text)
            }
        return .error(ErrorReply(code: code.rawValue, message: text))
    }
}
