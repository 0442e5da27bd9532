extension Execution {
    /// A saga step's compensation execution as the broker creates it: FAILED, due now, no retry made yet,
    /// `report`'s error as its last error.
    ///
    /// - Parameters:
    ///   - id: the seq of the row that creates it.
    ///   - key: the step's service, processor and event id, with the compensating function.
    ///   - correlationId: the saga's id.
    ///   - report: why (`SAGA_COMPENSATE`, the abort's cause).
    ///   - spec: the compensation's retry spec.
    ///   - payload: the step's payload (its forward's).
    ///   - now: the broker's clock.
    public static func compensation(
        id: ExecutionID, key: ExecutionKey, correlationId: String, report: FailureReport, spec: RetrySpec,
        payload: [UInt8], now: Timestamp
    ) -> Execution {
        Execution(
            id: id, key: key, correlationId: correlationId, status: .failed, parkReason: nil,
            recoverable: report.recoverable, markedByOperator: false, retries: 0, spec: spec, nextRetryAt: now,
            lease: nil, lastError: report.error, payload: payload, createdAt: now, updatedAt: now)
    }
}
