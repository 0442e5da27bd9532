import CompModel
import CompWire

/// A call about to be made, recorded with the broker before it is made (persist before call): the key of the
/// handler, how long the call may take, and what a retry needs.
public struct Intent: Sendable, Hashable {
    /// Key part 1: the service that makes the call (its subscribers get the retries).
    public var service: String
    /// Key part 2.
    public var processor: String
    /// Key part 3: the handler function (a retry command names it).
    public var function: String
    /// Key part 4: the event the call belongs to.
    public var eventId: String
    /// Optional: the correlation id (an order id), for `compctl timeline`.
    public var correlationId: String?
    /// Optional overrides of the broker's retry spec; `executionTimeoutMs` is how long the call may take
    /// before the broker counts it as a failed attempt (`TIMEOUT`) and retries it through Fetch.
    public var retrySpec: RetrySpecPatch?
    /// Optional: bytes handed back with every retry command (what the retry needs to make the call again).
    public var payload: [UInt8]?
    /// Optional: the saga step this call is the forward of (Record tag 7, on the started and the result record).
    public var saga: SagaRef?

    /// Creates an intent.
    ///
    /// - Parameters:
    ///   - service, processor, function, eventId: the execution key.
    ///   - correlationId: the correlation id, or nil.
    ///   - timeoutMilliseconds: the call's execution timeout (sets `retrySpec.executionTimeoutMs`), or nil for
    ///     the broker's default.
    ///   - retrySpec: further retry spec overrides.
    ///   - payload: what a retry needs, or nil.
    ///   - saga: the saga step this call is the forward of, or nil.
    public init(service: String, processor: String, function: String, eventId: String,
                correlationId: String? = nil, timeoutMilliseconds: UInt64? = nil,
                retrySpec: RetrySpecPatch? = nil, payload: [UInt8]? = nil, saga: SagaRef? = nil) {
        self.saga = saga
        self.service = service
        self.processor = processor
        self.function = function
        self.eventId = eventId
        self.correlationId = correlationId
        var spec = retrySpec
        if let timeoutMilliseconds {
            spec = spec ?? RetrySpecPatch()
            spec?.executionTimeoutMs = timeoutMilliseconds
        }
        self.retrySpec = spec
        self.payload = payload
    }

    /// The `started` record of this intent, with a fresh record id.
    public func startedRecord() -> Record {
        Record(
            id: RecordIdentifier.next(), kind: .started, service: service, processor: processor, function: function,
            eventId: eventId, occurredAt: WallClock.now().milliseconds, correlationId: correlationId,
            retrySpec: retrySpec, payload: payload, saga: saga)
    }

    /// The result record of this intent: a success, or a failure with `error`, with the intent's lease when
    /// the broker gave one (else by key: the key's open execution).
    public func resultRecord(lease: LeaseRef?, error: ErrorDetails? = nil, recoverable: UInt8? = nil) -> Record {
        Record(
            id: RecordIdentifier.next(), kind: error == nil ? .success : .failure, service: service,
            processor: processor, function: function, eventId: eventId, occurredAt: WallClock.now().milliseconds,
            correlationId: correlationId, error: error, recoverable: recoverable, lease: lease, saga: saga)
    }
}

/// An error a handler throws that says how to report it: its code and message, and whether retrying helps.
public protocol ReportableError: Error {
    /// The error as the broker stores it (code ≤ 256 bytes, message ≤ 4096 bytes).
    var errorDetails: ErrorDetails { get }
    /// 0 unknown, 1 recoverable, 2 unrecoverable (the execution parks).
    var recoverable: UInt8 { get }
}

/// Why `Reporter.intent` did not run its call.
public enum IntentError: Error, Equatable, CustomStringConvertible {
    /// The broker refused the `started` record (for example `key_conflict` 24: an open execution already
    /// holds the key; `saga_aborted` 28: the saga of this step is no longer running). The call did not run.
    case refused(code: UInt16, detail: String)

    public var description: String {
        switch self {
        case .refused(let code, let detail):
            "the broker refused the intent: \(ErrorCode(rawValue: code).map { "\($0)" } ?? "code") (\(code)): \(detail)"
        }
    }

    /// The broker's code.
    public var code: UInt16 {
        switch self {
        case .refused(let code, _): code
        }
    }
}

/// What `Reporter.intent` did: the execution and the outcome of the result record.
public struct IntentReport: Sendable, Equatable {
    /// The execution the `started` record created.
    public var executionId: Int64
    /// The lease the result carried, or nil when the broker gave no token (the result went by key).
    public var lease: LeaseRef?
    /// The result record's outcome (accepted; stale when the lease expired first and a retry took over).
    public var result: RecordOutcome
}

extension Reporter {
    /// Records `intent` with the broker (a `started` record), runs `call`, and reports its result with the
    /// intent's lease: success when `call` returns, failure when it throws (then the error is rethrown).
    ///
    /// If this process dies after the `started` record, or cannot report the result, the broker counts the
    /// call as a failed attempt when the intent's timeout passes and pushes the retry to the service's
    /// subscribers through Fetch: nothing is lost between the call and its bookkeeping.
    ///
    /// - Parameters:
    ///   - intent: the key, timeout and retry payload.
    ///   - call: the call to make; runs only after the broker acknowledged the intent (durably).
    /// - Returns: what `call` returned, and the report.
    /// - Throws: `IntentError.refused` when the broker refused the intent (the call did not run);
    ///   `ClientError` when the broker could not be reached (before the call: it did not run; after it: the
    ///   result is not reported, and the broker retries after the timeout); or the error `call` threw, after
    ///   its failure was reported.
    public func intent<T>(_ intent: Intent, _ call: () throws -> T) throws -> (value: T, report: IntentReport) {
        let started = try send([intent.startedRecord()])
        guard let outcome = started.first else { throw ClientError.protocolViolation("no outcome for the started record") }
        switch outcome.status {
        case .accepted, .duplicate:
            break
        case .rejected, .stale:
            throw IntentError.refused(code: outcome.code, detail: outcome.detail ?? "")
        }
        guard outcome.executionId > 0 else {
            throw ClientError.protocolViolation("the started record was accepted without an execution id")
        }
        let lease = outcome.leaseToken.map { LeaseRef(executionId: outcome.executionId, token: $0) }
        let value: T
        do {
            value = try call()
        } catch {
            let (details, recoverable) = Self.describe(error)
            _ = try reportResult(intent.resultRecord(lease: lease, error: details, recoverable: recoverable))
            throw error
        }
        let result = try reportResult(intent.resultRecord(lease: lease))
        return (value, IntentReport(executionId: outcome.executionId, lease: lease, result: result))
    }

    private func reportResult(_ record: Record) throws(ClientError) -> RecordOutcome {
        guard let outcome = try send([record]).first else { throw .protocolViolation("no outcome for the result") }
        return outcome
    }

    /// The error details and hint of an error thrown by a call.
    static func describe(_ error: any Error) -> (ErrorDetails, UInt8) {
        if let reportable = error as? any ReportableError {
            let details = reportable.errorDetails
            return (ErrorDetails(
                code: WireText.truncated(details.code.isEmpty ? "ERROR" : details.code, toUTF8Bytes: WireLimits.maxNameBytes),
                message: WireText.truncated(details.message, toUTF8Bytes: WireLimits.maxMessageBytes),
                detail: WireText.truncated(details.detail, toUTF8Bytes: WireLimits.maxDetailBytes)),
                min(reportable.recoverable, 2))
        }
        let code = WireText.truncated(String(describing: type(of: error)), toUTF8Bytes: WireLimits.maxNameBytes)
        return (ErrorDetails(
            code: code.isEmpty ? "ERROR" : code,
            message: WireText.truncated(String(describing: error), toUTF8Bytes: WireLimits.maxMessageBytes)), 0)
    }
}
