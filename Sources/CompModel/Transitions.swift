/// A failure as reported by a subscriber.
public struct FailureReport: Hashable, Sendable {
    /// What went wrong.
    public var error: ErrorInfo
    /// The subscriber's hint.
    public var recoverable: Recoverability
    /// When the handler failed, by the subscriber's clock (kept for display, never for scheduling).
    public var occurredAt: Timestamp

    /// Creates a report.
    public init(error: ErrorInfo, recoverable: Recoverability = .unknown, occurredAt: Timestamp) {
        self.error = error
        self.recoverable = recoverable
        self.occurredAt = occurredAt
    }
}

/// Everything that can happen to an existing execution.
public enum ExecutionInput: Hashable, Sendable {
    /// A failure; with a token it is the result of a leased attempt, without one a report by key.
    case failure(FailureReport, leaseToken: UInt64?)
    /// A success; with a token it is the result of a leased attempt, without one a report by key.
    case success(leaseToken: UInt64?)
    /// The dispatcher leases the due execution to `holder` under a new fencing `token`.
    case lease(token: UInt64, holder: String)
    /// The lease holder asks for more time.
    case extendLease(token: UInt64, by: TimeSpan)
    /// The lease deadline passed with no result: the attempt counts as failed (timeout).
    case expireLease
    /// The retry command of lease `token` was not delivered (the holder asked again for the same work):
    /// back to FAILED and due now without counting the attempt, at most `Execution.maxReturns` times in
    /// a row; the next return counts as a failed attempt (error code `UNDELIVERED`).
    case returnLease(token: UInt64)
    /// Operator: make it due now (also from PARKED, for one more attempt).
    case retryNow
    /// Operator: as `retryNow`, and also for a PREPARED execution: its lease is fenced (dropped, so a
    /// result under its token is stale) and the attempt in flight is not counted. The journal writes
    /// it as the rows it amounts to (`returnLease` of the current token, then `retryNow`).
    case forceRetry
    /// Operator: replace the retry spec and reschedule.
    case applySpec(RetrySpec)
    /// Operator: mark recoverable or unrecoverable.
    case mark(Recoverability)
    /// Operator: point the execution at another handler function.
    case changeFunction(String)
    /// Operator: park it by hand.
    case park
    /// Operator: end it without success.
    case discard

    /// A short name for logs and errors.
    public var name: String {
        switch self {
        case .failure(_, let token): token == nil ? "failure" : "failure result"
        case .success(let token): token == nil ? "success" : "success result"
        case .lease: "lease"
        case .extendLease: "lease extension"
        case .expireLease: "lease expiry"
        case .returnLease: "lease return"
        case .retryNow: "retry"
        case .forceRetry: "forced retry"
        case .applySpec: "apply-spec"
        case .mark: "mark"
        case .changeFunction: "change-function"
        case .park: "park"
        case .discard: "discard"
        }
    }

    /// Whether this is an operator's action.
    public var isOperatorAction: Bool {
        switch self {
        case .retryNow, .forceRetry, .applySpec, .mark, .changeFunction, .park, .discard: true
        default: false
        }
    }
}

/// The error recorded when a lease runs out.
public let leaseTimeoutErrorCode = "TIMEOUT"

/// The error recorded when a lease comes back undelivered more than `Execution.maxReturns` times in a row.
public let leaseUndeliveredErrorCode = "UNDELIVERED"

extension Execution {
    /// A new execution for the first failure of a key: FAILED and scheduled, or PARKED at once.
    ///
    /// - Parameters:
    ///   - id: the broker-assigned id.
    ///   - key: the handler and event.
    ///   - correlationId: the correlation id, or empty.
    ///   - failure: the reported failure.
    ///   - spec: the resolved retry spec (server default merged with the record's override), validated.
    ///   - payload: bytes to hand back with every retry command.
    ///   - now: the broker's clock.
    ///   - random: the jitter source.
    public static func create(
        id: ExecutionID, key: ExecutionKey, correlationId: String, failure: FailureReport,
        spec: RetrySpec, payload: [UInt8], now: Timestamp, random: inout some RandomNumberGenerator
    ) -> Execution {
        created(
            id: id, key: key, correlationId: correlationId, failure: failure, spec: spec, payload: payload, now: now,
            random: &random)
    }

    /// `create` with the journal's random source, a concrete type: the generic one, called from another module,
    /// ran unspecialized, drawing the jitter through the generic `Double.random(in:using:)` (callgrind: about
    /// 1.8k instructions a new failure). Same code, same values: only the compiled copy differs.
    public static func create(
        id: ExecutionID, key: ExecutionKey, correlationId: String, failure: FailureReport,
        spec: RetrySpec, payload: [UInt8], now: Timestamp, random: inout SplitMix64
    ) -> Execution {
        created(
            id: id, key: key, correlationId: correlationId, failure: failure, spec: spec, payload: payload, now: now,
            random: &random)
    }

    private static func created(
        id: ExecutionID, key: ExecutionKey, correlationId: String, failure: FailureReport,
        spec: RetrySpec, payload: [UInt8], now: Timestamp, random: inout some RandomNumberGenerator
    ) -> Execution {
        var execution = Execution(
            id: id, key: key, correlationId: correlationId, status: .failed, parkReason: nil,
            recoverable: failure.recoverable, markedByOperator: false, retries: 0, spec: spec,
            nextRetryAt: nil, lease: nil, lastError: failure.error, payload: payload,
            createdAt: now, updatedAt: now)
        if failure.recoverable == .unrecoverable {
            execution.park(.unrecoverable)
        } else {
            execution.schedule(now: now, random: &random)
        }
        return execution
    }

    /// Applies one input at `now`, or refuses it and leaves the execution unchanged.
    ///
    /// - Parameters:
    ///   - input: what happened.
    ///   - now: the broker's clock.
    ///   - random: the jitter source for any rescheduling.
    /// - Throws: `ModelError` when the input is stale, a duplicate, not allowed, not due, or changes nothing.
    public mutating func apply(
        _ input: ExecutionInput, now: Timestamp, random: inout some RandomNumberGenerator
    ) throws(ModelError) {
        try applied(input, now: now, random: &random)
    }

    /// `apply` with the journal's random source, specialized (see `create(…random: inout SplitMix64)`).
    public mutating func apply(_ input: ExecutionInput, now: Timestamp, random: inout SplitMix64) throws(ModelError) {
        try applied(input, now: now, random: &random)
    }

    private mutating func applied(
        _ input: ExecutionInput, now: Timestamp, random: inout some RandomNumberGenerator
    ) throws(ModelError) {
        var next = self
        try next.transition(input, now: now, random: &random)
        next.updatedAt = max(updatedAt, now)
        self = next
    }

    private mutating func transition(
        _ input: ExecutionInput, now: Timestamp, random: inout some RandomNumberGenerator
    ) throws(ModelError) {
        switch input {
        case .failure(let report, let token?):
            guard status == .prepared, lease?.token == token else { throw .stale }
            lease = nil
            returns = 0
            lastError = report.error
            takeHint(report.recoverable)
            if recoverable == .unrecoverable { park(.unrecoverable) } else { schedule(now: now, random: &random) }

        case .failure(let report, nil):
            guard isOpen else { throw .notAllowed(input: input.name, status: status) }
            lastError = report.error
            takeHint(report.recoverable)
            if status == .failed, recoverable == .unrecoverable { park(.unrecoverable) }

        case .success(let token?):
            if status == .succeeded { throw .duplicate }
            guard status == .prepared, lease?.token == token else { throw .stale }
            returns = 0
            succeed()

        case .success(nil):
            if status == .succeeded { throw .duplicate }
            guard isOpen else { throw .notAllowed(input: input.name, status: status) }
            succeed()

        case .lease(let token, let holder):
            guard status == .failed else { throw .notAllowed(input: input.name, status: status) }
            guard let due = nextRetryAt, due <= now else { throw .notDue }
            retries += 1
            nextRetryAt = nil
            lease = Lease(token: token, holder: holder, grantedAt: now, until: now.adding(spec.executionTimeout))
            status = .prepared

        case .extendLease(let token, let span):
            guard status == .prepared, var current = lease, current.token == token else { throw .stale }
            current.until = max(current.until, now.adding(min(max(span, .zero), RetrySpec.spanLimit)))
            lease = current
            returns = 0

        case .expireLease:
            guard status == .prepared, let current = lease else {
                throw .notAllowed(input: input.name, status: status)
            }
            guard current.until <= now else { throw .notDue }
            lease = nil
            returns = 0
            lastError = ErrorInfo(
                code: leaseTimeoutErrorCode,
                message: "no result from \(current.holder) within the lease (\(spec.executionTimeout))")
            if recoverable == .unrecoverable { park(.unrecoverable) } else { schedule(now: now, random: &random) }

        case .returnLease(let token):
            guard status == .prepared, let current = lease, current.token == token else { throw .stale }
            lease = nil
            if returns < Self.maxReturns {
                returns += 1
                retries = max(0, retries - 1)
                status = .failed
                parkReason = nil
                nextRetryAt = now
            } else {
                returns = 0
                lastError = ErrorInfo(
                    code: leaseUndeliveredErrorCode,
                    message: "the retry command for \(current.holder) was not delivered \(Self.maxReturns + 1) times in a row")
                if recoverable == .unrecoverable { park(.unrecoverable) } else { schedule(now: now, random: &random) }
            }

        case .retryNow:
            guard status == .failed || status == .parked else {
                throw .notAllowed(input: input.name, status: status)
            }
            status = .failed
            parkReason = nil
            nextRetryAt = now

        case .forceRetry:
            guard status == .failed || status == .parked || status == .prepared else {
                throw .notAllowed(input: input.name, status: status)
            }
            if status == .prepared {
                retries = max(0, retries - 1)  // the attempt in flight is abandoned, not counted
            }
            lease = nil
            status = .failed
            parkReason = nil
            nextRetryAt = now

        case .applySpec(let newSpec):
            try newSpec.validate()
            guard isOpen else { throw .notAllowed(input: input.name, status: status) }
            spec = newSpec
            switch (status, parkReason) {
            case (.failed, _), (.parked, .exhausted?), (.parked, .deadline?):
                schedule(now: now, random: &random)
            default:
                break  // a lease in flight keeps its deadline; a manual or unrecoverable park stays
            }

        case .mark(let value):
            guard isOpen else { throw .notAllowed(input: input.name, status: status) }
            if value == recoverable, markedByOperator { throw .unchanged }
            recoverable = value
            markedByOperator = true
            if status == .failed, value == .unrecoverable {
                park(.unrecoverable)
            } else if status == .parked, parkReason == .unrecoverable, value != .unrecoverable {
                schedule(now: now, random: &random)
            }

        case .changeFunction(let function):
            guard status == .failed || status == .parked else {
                throw .notAllowed(input: input.name, status: status)
            }
            guard function != key.function else { throw .unchanged }
            key.function = function

        case .park:
            guard status == .failed else {
                if status == .parked { throw .unchanged }
                throw .notAllowed(input: input.name, status: status)
            }
            park(.manual)

        case .discard:
            guard isOpen else { throw .notAllowed(input: input.name, status: status) }
            status = .discarded
            parkReason = nil
            nextRetryAt = nil
            lease = nil
        }
    }

    /// A hint from a record: an explicit value replaces the current one (and any operator mark);
    /// `unknown` changes nothing.
    private mutating func takeHint(_ hint: Recoverability) {
        guard hint != .unknown else { return }
        recoverable = hint
        markedByOperator = false
    }

    private mutating func succeed() {
        status = .succeeded
        parkReason = nil
        nextRetryAt = nil
        lease = nil
    }

    private mutating func park(_ reason: ParkReason) {
        status = .parked
        parkReason = reason
        nextRetryAt = nil
        lease = nil
    }

    /// FAILED and due after the backoff for `retries`, or PARKED when retries are used up or the
    /// next retry would miss the deadline.
    private mutating func schedule(now: Timestamp, random: inout some RandomNumberGenerator) {
        guard retries < spec.maxRetries else { return park(.exhausted) }
        let due = now.adding(Backoff.delay(retries: retries, spec: spec, random: &random))
        if let deadline = spec.deadline, due > deadline { return park(.deadline) }
        status = .failed
        parkReason = nil
        lease = nil
        nextRetryAt = due
    }
}
