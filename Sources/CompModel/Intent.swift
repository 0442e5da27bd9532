/// The holder of an intent's lease: the reporter of a `started` record, which runs the handler itself.
public let intentLeaseHolder = "intent"

extension Execution {
    /// A new execution for a `started` record (the persist-before-call intent): PREPARED at once, leased to
    /// `intentLeaseHolder` under `token` for the spec's execution timeout.
    ///
    /// The call about to run is the first attempt and costs no retry (`retries` 0, as after a first failure):
    /// a result with the lease (or by key) closes or fails it as usual, and when the lease runs out with no
    /// result, `expireLease` counts it as a failed attempt (`TIMEOUT`) and schedules the first retry, which
    /// the broker then pushes to the service's subscribers through Fetch.
    ///
    /// - Parameters:
    ///   - id: the broker-assigned id.
    ///   - key: the handler and event.
    ///   - correlationId: the correlation id, or empty.
    ///   - spec: the resolved retry spec (server default merged with the record's override), validated.
    ///   - payload: bytes to hand back with every retry command.
    ///   - token: the lease's fencing token.
    ///   - now: the broker's clock.
    /// - Returns: the execution, PREPARED until `now + spec.executionTimeout`.
    public static func start(
        id: ExecutionID, key: ExecutionKey, correlationId: String, spec: RetrySpec, payload: [UInt8],
        token: UInt64, now: Timestamp
    ) -> Execution {
        Execution(
            id: id, key: key, correlationId: correlationId, status: .prepared, parkReason: nil,
            recoverable: .unknown, markedByOperator: false, retries: 0, spec: spec, nextRetryAt: nil,
            lease: Lease(token: token, holder: intentLeaseHolder, grantedAt: now, until: now.adding(spec.executionTimeout)),
            lastError: .none, payload: payload, createdAt: now, updatedAt: now)
    }
}
