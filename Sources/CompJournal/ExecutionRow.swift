import CompModel

/// How an `Execution` maps to a row of the `executions` table, in one place.
enum ExecutionRow {
    /// Every column, in the order `decode` reads and `insertSQL` binds them.
    static let columns = """
        id, service, processor, function, event_id, key_hash, correlation_id, status, park_reason, \
        recoverable, marked_by_operator, retries, max_retries, min_backoff_ms, max_backoff_ms, \
        execution_timeout_ms, jitter_permille, deadline, next_retry_at, lease_token, lease_holder, \
        lease_granted_at, lease_until, error_code, error_message, error_detail, payload, created_at, updated_at, \
        returns
        """

    /// The INSERT of a new execution (29 parameters, `columns` order).
    static let insertSQL = """
        INSERT INTO executions (\(columns)) VALUES \
        (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
        ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)
        """

    /// The UPDATE of everything a transition can change, by id (?1). Immutable and rarely changed columns
    /// (key, correlation id, payload, created_at) are left out on purpose: an UPDATE that names an indexed
    /// column rewrites that index entry, and the correlation index is the big random one.
    static let updateSQL = """
        UPDATE executions SET status = ?8, park_reason = ?9, recoverable = ?10, marked_by_operator = ?11, \
        retries = ?12, max_retries = ?13, min_backoff_ms = ?14, max_backoff_ms = ?15, \
        execution_timeout_ms = ?16, jitter_permille = ?17, deadline = ?18, next_retry_at = ?19, \
        lease_token = ?20, lease_holder = ?21, lease_granted_at = ?22, lease_until = ?23, error_code = ?24, \
        error_message = ?25, error_detail = ?26, updated_at = ?29, returns = ?30 WHERE id = ?1
        """

    /// The UPDATE of the key columns after `changeFunction` (?1 id, ?2 function, ?3 key_hash).
    static let updateKeySQL = "UPDATE executions SET function = ?2, key_hash = ?3 WHERE id = ?1"

    /// Binds every parameter `insertSQL` uses; `updateSQL` uses a subset of the same numbers.
    static func bind(_ execution: Execution, to statement: Statement, all: Bool) throws(JournalError) {
        try statement.bind(execution.id, at: 1)
        if all {
            try statement.bind(execution.key.service, at: 2)
            try statement.bind(execution.key.processor, at: 3)
            try statement.bind(execution.key.function, at: 4)
            try statement.bind(execution.key.eventId, at: 5)
            try statement.bind(execution.key.stableHash, at: 6)
            try statement.bind(execution.correlationId, at: 7)
            try statement.bind(blob: execution.payload, at: 27)
            try statement.bind(execution.createdAt.milliseconds, at: 28)
        }
        try statement.bind(Int64(execution.status.rawValue), at: 8)
        try statement.bind(execution.parkReason.map { Int64($0.rawValue) }, at: 9)
        try statement.bind(Int64(execution.recoverable.rawValue), at: 10)
        try statement.bind(execution.markedByOperator ? 1 : 0, at: 11)
        try statement.bind(execution.retries, at: 12)
        let spec = execution.spec
        try statement.bind(spec.maxRetries, at: 13)
        try statement.bind(spec.minBackoff.milliseconds, at: 14)
        try statement.bind(spec.maxBackoff.milliseconds, at: 15)
        try statement.bind(spec.executionTimeout.milliseconds, at: 16)
        try statement.bind(spec.jitterPermille, at: 17)
        try statement.bind(spec.deadline?.milliseconds, at: 18)
        try statement.bind(execution.nextRetryAt?.milliseconds, at: 19)
        try statement.bind(execution.lease.map { Int64(bitPattern: $0.token) }, at: 20)
        try statement.bind(execution.lease?.holder, at: 21)
        try statement.bind(execution.lease?.grantedAt.milliseconds, at: 22)
        try statement.bind(execution.lease?.until.milliseconds, at: 23)
        try statement.bind(execution.lastError.code, at: 24)
        try statement.bind(execution.lastError.message, at: 25)
        try statement.bind(execution.lastError.detail, at: 26)
        try statement.bind(execution.updatedAt.milliseconds, at: 29)
        try statement.bind(execution.returns, at: 30)
    }

    /// Reads an execution from the current row, whose first 29 columns are `columns`.
    ///
    /// - Throws: `JournalError` (SQLITE_CORRUPT) for an enum value this build does not know.
    static func decode(_ statement: Statement) throws(JournalError) -> Execution {
        guard let status = ExecutionStatus(rawValue: UInt8(truncatingIfNeeded: statement.int64(7))) else {
            throw .corrupt("execution \(statement.int64(0)): unknown status \(statement.int64(7))", sql: statement.sql)
        }
        var parkReason: ParkReason?
        if let raw = statement.optionalInt64(8) {
            guard let reason = ParkReason(rawValue: UInt8(truncatingIfNeeded: raw)) else {
                throw .corrupt("execution \(statement.int64(0)): unknown park reason \(raw)", sql: statement.sql)
            }
            parkReason = reason
        }
        guard let recoverable = Recoverability(rawValue: UInt8(truncatingIfNeeded: statement.int64(9))) else {
            throw .corrupt("execution \(statement.int64(0)): unknown recoverability", sql: statement.sql)
        }
        let spec = RetrySpec(
            maxRetries: Int(statement.int64(12)), minBackoff: .milliseconds(statement.int64(13)),
            maxBackoff: .milliseconds(statement.int64(14)), executionTimeout: .milliseconds(statement.int64(15)),
            jitterPermille: Int(statement.int64(16)),
            deadline: statement.optionalInt64(17).map { Timestamp(milliseconds: $0) })
        var lease: Lease?
        if let token = statement.optionalInt64(19) {
            lease = Lease(
                token: UInt64(bitPattern: token), holder: statement.text(20),
                grantedAt: Timestamp(milliseconds: statement.int64(21)),
                until: Timestamp(milliseconds: statement.int64(22)))
        }
        return Execution(
            id: statement.int64(0),
            key: ExecutionKey(
                service: statement.text(1), processor: statement.text(2), function: statement.text(3),
                eventId: statement.text(4)),
            correlationId: statement.text(6), status: status, parkReason: parkReason, recoverable: recoverable,
            markedByOperator: statement.int64(10) != 0, retries: Int(statement.int64(11)), spec: spec,
            nextRetryAt: statement.optionalInt64(18).map { Timestamp(milliseconds: $0) }, lease: lease,
            lastError: ErrorInfo(code: statement.text(23), message: statement.text(24), detail: statement.text(25)),
            payload: statement.blob(26), createdAt: Timestamp(milliseconds: statement.int64(27)),
            updatedAt: Timestamp(milliseconds: statement.int64(28)), returns: Int(statement.int64(29)))
    }
}
