import CompModel

/// What a journal row applied, enough to replay it through the model (`rebuildProjection`).
///
/// Body layouts (after the kind, which is its own column; see `BodyWriter` for the value encodings):
/// ```
/// failure         : u8 creates (0|1) | report | if creates: key | string correlationId | spec | bytes payload
/// success         : (empty)
/// failure-result  : uvarint token | report
/// success-result  : uvarint token
/// stale           : u8 result kind (3|4) | uvarint token | if 3: report
/// leased          : string holder                (the token is the row's seq)
/// extended        : uvarint token | varint by-ms
/// timeout, retry, park, discard : (empty)
/// apply-spec      : spec
/// mark            : u8 recoverability
/// change-function : string function
/// returned        : uvarint token
/// paused, resumed : string service        (execution_id 0: these rows belong to no execution)
/// started         : key | string correlationId | spec | bytes payload | varint occurredAt-ms
///                   (creates the execution; the row's seq is its id and its lease token)
///
/// report : string code | string message | string detail | u8 recoverability | varint occurredAt-ms
/// key    : string service | string processor | string function | string eventId
/// spec   : varint maxRetries | varint minBackoff-ms | varint maxBackoff-ms | varint timeout-ms
///          | varint jitterPermille | optional varint deadline-ms
/// ```
enum EntryBody: Equatable {
    /// A failure by key: `creation` is set when it created the execution.
    case failure(FailureReport, creation: Creation?)
    case success
    case failureResult(token: UInt64, FailureReport)
    case successResult(token: UInt64)
    /// A result with a token that was not current.
    case stale(resultKind: EntryKind, token: UInt64, FailureReport?)
    case leased(holder: String)
    case extended(token: UInt64, by: TimeSpan)
    case timeout
    case retry
    case applySpec(RetrySpec)
    case mark(Recoverability)
    case changeFunction(String)
    case park
    case discard
    /// The lease `token` came back undelivered.
    case returned(token: UInt64)
    /// A service's dispatch paused (`paused` true) or resumed.
    case service(String, paused: Bool)
    /// A `started` record created the execution (PREPARED, leased to the intent's reporter); `occurredAt` is
    /// the reporter's clock, for people.
    case started(Creation, occurredAt: Timestamp)
    /// A saga row (see `SagaBody`); `indirect`, so its large payload does not grow every body (copying bodies
    /// is on the hot path).
    indirect case saga(SagaBody)

    /// What a creating failure adds: everything `Execution.create` needs besides the report.
    struct Creation: Equatable {
        var key: ExecutionKey
        var correlationId: String
        var spec: RetrySpec
        var payload: [UInt8]
    }

    /// The row kind this body is stored under.
    var kind: EntryKind {
        switch self {
        case .failure: .failure
        case .success: .success
        case .failureResult: .failureResult
        case .successResult: .successResult
        case .stale: .stale
        case .leased: .leased
        case .extended: .extended
        case .timeout: .timeout
        case .retry: .retry
        case .applySpec: .applySpec
        case .mark: .mark
        case .changeFunction: .changeFunction
        case .park: .park
        case .discard: .discard
        case .returned: .returned
        case .service(_, let paused): paused ? .paused : .resumed
        case .saga(let body): body.kind
        case .started: .started
        }
    }

    /// The body for an operator input, or nil when the input is not an operator action.
    init?(operatorInput input: ExecutionInput) {
        switch input {
        case .retryNow: self = .retry
        case .applySpec(let spec): self = .applySpec(spec)
        case .mark(let value): self = .mark(value)
        case .changeFunction(let function): self = .changeFunction(function)
        case .park: self = .park
        case .discard: self = .discard
        default: return nil
        }
    }

    /// The model input this row applies to an existing execution, with the row's seq for lease tokens;
    /// nil for rows that change nothing (stale) or create (a creating failure).
    func input(seq: Int64) -> ExecutionInput? {
        switch self {
        case .failure(let report, let creation): creation == nil ? .failure(report, leaseToken: nil) : nil
        case .success: .success(leaseToken: nil)
        case .failureResult(let token, let report): .failure(report, leaseToken: token)
        case .successResult(let token): .success(leaseToken: token)
        case .stale, .service, .saga, .started: nil
        case .leased(let holder): .lease(token: UInt64(bitPattern: seq), holder: holder)
        case .extended(let token, let span): .extendLease(token: token, by: span)
        case .timeout: .expireLease
        case .retry: .retryNow
        case .applySpec(let spec): .applySpec(spec)
        case .mark(let value): .mark(value)
        case .changeFunction(let function): .changeFunction(function)
        case .park: .park
        case .discard: .discard
        case .returned(let token): .returnLease(token: token)
        }
    }

    /// The execution this row creates at `at` (a creating failure, or a saga's compensation), or nil.
    func createdExecution(seq: Int64, at: Timestamp) -> Execution? {
        switch self {
        case .failure(let report, let creation?):
            var random = SplitMix64(seed: UInt64(bitPattern: seq))
            return Execution.create(
                id: seq, key: creation.key, correlationId: creation.correlationId, failure: report,
                spec: creation.spec, payload: creation.payload, now: at, random: &random)
        case .started(let creation, _):
            return Execution.start(
                id: seq, key: creation.key, correlationId: creation.correlationId, spec: creation.spec,
                payload: creation.payload, token: UInt64(bitPattern: seq), now: at)
        case .saga(.compensate(_, _, _, let report, let creation)):
            return Execution.compensation(
                id: seq, key: creation.key, correlationId: creation.correlationId, report: report, spec: creation.spec,
                payload: creation.payload, now: at)
        default:
            return nil
        }
    }

    /// The error code of the failed attempt this row counts, given the execution after it, or nil when
    /// the row is not one: a failure (by key or as a result), a timeout, or a counted return (an
    /// uncounted one leaves `returns` ≥ 1). Feeds `failure_counts`.
    func failedAttemptCode(after execution: Execution) -> String? {
        switch self {
        case .failure(let report, _), .failureResult(_, let report): report.error.code
        case .timeout: execution.lastError.code
        case .returned: execution.returns == 0 ? execution.lastError.code : nil
        default: nil
        }
    }

    // MARK: Encoding

    /// Room for the encoded body of a kind `BodyWriter` writes: an intent carries the key, correlation id and
    /// payload (growing from a small buffer copied it three times); the others are small. A creating failure's
    /// body is sized exactly instead (`encodedCreation`).
    private var estimatedBytes: Int {
        guard case .started(let creation, _) = self else { return 64 }
        let key = creation.key
        return 64 + creation.payload.count + key.service.utf8.count + key.processor.utf8.count
            + key.function.utf8.count + key.eventId.utf8.count + creation.correlationId.utf8.count
    }

    /// A failure's body: the report, then what creates the execution when it does.
    private static func writeFailure(_ report: FailureReport, _ creation: Creation?, to writer: inout some BodySink) {
        writer.u8(creation == nil ? 0 : 1)
        writer.report(report)
        if let creation {
            writer.key(creation.key)
            writer.string(creation.correlationId)
            writer.spec(creation.spec)
            writer.data(creation.payload)
        }
    }

    /// A creating failure's body (every new failure of a storm's), written into memory sized for the most it can
    /// take: the same bytes `BodyWriter` writes.
    static func encodedCreation(_ report: FailureReport, _ creation: Creation) -> [UInt8] {
        let key = creation.key
        let error = report.error
        // The flag, the recoverability and the deadline's flag (a byte each); eight varints (occurredAt, five spec
        // values, the deadline, the payload's length); the payload; eight strings, each its length and its bytes.
        let textBytes = error.code.utf8.count + error.message.utf8.count + error.detail.utf8.count
            + key.service.utf8.count + key.processor.utf8.count + key.function.utf8.count + key.eventId.utf8.count
            + creation.correlationId.utf8.count
        let bound = 3 + BoundedBodyWriter.maxVarintBytes * (8 + 8) + creation.payload.count + textBytes
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
            var writer = BoundedBodyWriter(buffer)
            writeFailure(report, creation, to: &writer)
            initialized = writer.count
        }
    }

    /// The compact binary body.
    var encoded: [UInt8] {
        if case .failure(let report, let creation?) = self { return Self.encodedCreation(report, creation) }
        var writer = BodyWriter(capacity: estimatedBytes)
        switch self {
        case .failure(let report, let creation):
            Self.writeFailure(report, creation, to: &writer)
        case .success, .timeout, .retry, .park, .discard:
            break
        case .failureResult(let token, let report):
            writer.uvarint(token)
            writer.report(report)
        case .successResult(let token), .returned(let token):
            writer.uvarint(token)
        case .stale(let resultKind, let token, let report):
            writer.u8(UInt8(resultKind.rawValue))
            writer.uvarint(token)
            if let report { writer.report(report) }
        case .leased(let holder):
            writer.string(holder)
        case .extended(let token, let span):
            writer.uvarint(token)
            writer.varint(span.milliseconds)
        case .applySpec(let spec):
            writer.spec(spec)
        case .mark(let value):
            writer.u8(value.rawValue)
        case .changeFunction(let function):
            writer.string(function)
        case .service(let service, _):
            writer.string(service)
        case .started(let creation, let occurredAt):
            writer.key(creation.key)
            writer.string(creation.correlationId)
            writer.spec(creation.spec)
            writer.data(creation.payload)
            writer.varint(occurredAt.milliseconds)
        case .saga(let body):
            body.encode(into: &writer)
        }
        return writer.bytes
    }

    /// Decodes a body stored under `kind`.
    ///
    /// - Throws: `JournalError` (SQLITE_CORRUPT) when the bytes do not match the layout.
    init(kind: EntryKind, bytes: [UInt8]) throws(JournalError) {
        var reader = BodyReader(bytes)
        switch kind {
        case .failure:
            let creates = try reader.u8()
            let report = try reader.report()
            var creation: Creation?
            if creates == 1 {
                creation = Creation(
                    key: try reader.key(), correlationId: try reader.string(), spec: try reader.spec(),
                    payload: try reader.data())
            } else if creates != 0 {
                throw .corrupt("malformed journal body: failure flag \(creates)")
            }
            self = .failure(report, creation: creation)
        case .success: self = .success
        case .failureResult: self = .failureResult(token: try reader.uvarint(), try reader.report())
        case .successResult: self = .successResult(token: try reader.uvarint())
        case .stale:
            let raw = try reader.u8()
            let token = try reader.uvarint()
            switch raw {
            case UInt8(EntryKind.failureResult.rawValue):
                self = .stale(resultKind: .failureResult, token: token, try reader.report())
            case UInt8(EntryKind.successResult.rawValue):
                self = .stale(resultKind: .successResult, token: token, nil)
            default:
                throw .corrupt("malformed journal body: stale result kind \(raw)")
            }
        case .leased: self = .leased(holder: try reader.string())
        case .extended: self = .extended(token: try reader.uvarint(), by: TimeSpan(milliseconds: try reader.varint()))
        case .timeout: self = .timeout
        case .retry: self = .retry
        case .applySpec: self = .applySpec(try reader.spec())
        case .mark: self = .mark(try reader.recoverability())
        case .changeFunction: self = .changeFunction(try reader.string())
        case .park: self = .park
        case .discard: self = .discard
        case .returned: self = .returned(token: try reader.uvarint())
        case .paused: self = .service(try reader.string(), paused: true)
        case .resumed: self = .service(try reader.string(), paused: false)
        case .started:
            let creation = Creation(
                key: try reader.key(), correlationId: try reader.string(), spec: try reader.spec(),
                payload: try reader.data())
            self = .started(creation, occurredAt: Timestamp(milliseconds: try reader.varint()))
        case .sagaStep, .sagaStatus, .compensate: self = .saga(try SagaBody(kind: kind, reader: &reader))
        }
        guard reader.isAtEnd else { throw .corrupt("malformed journal body: trailing bytes in \(kind.name)") }
    }
}

extension BodySink {
    mutating func report(_ report: FailureReport) {
        string(report.error.code)
        string(report.error.message)
        string(report.error.detail)
        u8(report.recoverable.rawValue)
        varint(report.occurredAt.milliseconds)
    }

    mutating func key(_ key: ExecutionKey) {
        string(key.service)
        string(key.processor)
        string(key.function)
        string(key.eventId)
    }

    mutating func spec(_ spec: RetrySpec) {
        varint(Int64(spec.maxRetries))
        varint(spec.minBackoff.milliseconds)
        varint(spec.maxBackoff.milliseconds)
        varint(spec.executionTimeout.milliseconds)
        varint(Int64(spec.jitterPermille))
        optionalVarint(spec.deadline?.milliseconds)
    }
}

extension BodyReader {
    mutating func recoverability() throws(JournalError) -> Recoverability {
        let raw = try u8()
        guard let value = Recoverability(rawValue: raw) else { throw .corrupt("malformed journal body: recoverability \(raw)") }
        return value
    }

    mutating func report() throws(JournalError) -> FailureReport {
        let error = ErrorInfo(code: try string(), message: try string(), detail: try string())
        return FailureReport(
            error: error, recoverable: try recoverability(), occurredAt: Timestamp(milliseconds: try varint()))
    }

    mutating func key() throws(JournalError) -> ExecutionKey {
        ExecutionKey(service: try string(), processor: try string(), function: try string(), eventId: try string())
    }

    mutating func spec() throws(JournalError) -> RetrySpec {
        RetrySpec(
            maxRetries: try int(), minBackoff: TimeSpan(milliseconds: try varint()),
            maxBackoff: TimeSpan(milliseconds: try varint()), executionTimeout: TimeSpan(milliseconds: try varint()),
            jitterPermille: try int(), deadline: try optionalVarint().map { Timestamp(milliseconds: $0) })
    }
}
