import CompModel

/// A saga as the store keeps it: the decision value, and what only the store needs (the linked executions,
/// the payload each step's compensation carries, the times).
struct SagaState: Equatable {
    var saga: Saga
    /// The forward execution of each step that has one.
    var forwardIds: [Int: ExecutionID] = [:]
    /// The compensation execution of each step the broker asked to compensate.
    var compensationIds: [Int: ExecutionID] = [:]
    /// The payload of each step (its forward's), handed to its compensation.
    var payloads: [Int: [UInt8]] = [:]
    var createdAt: Timestamp
    var updatedAt: Timestamp
}

/// The reads and writes of `sagas` and `saga_steps` (one connection: the writer's, or a reader's).
struct SagaRows {
    let connection: Connection

    static let sagaSQL = """
        SELECT id, status, closed, deadline, abort_cause, abort_step, created_at, updated_at FROM sagas WHERE id = ?1
        """
    static let stepsSQL = """
        SELECT step, service, processor, event_id, forward, compensation, retry_spec, forward_state, compensation_state,
        forward_unknown, forward_execution_id, compensation_execution_id, payload
        FROM saga_steps WHERE saga_id = ?1 ORDER BY step
        """

    /// The saga `id` as stored, or nil.
    ///
    /// - Throws: `JournalError` when SQLite fails, or (SQLITE_CORRUPT) when a stored code is unknown.
    func load(_ id: String) throws(JournalError) -> SagaState? {
        let row = try connection.cached(Self.sagaSQL)
        defer { row.reset() }
        try row.bind(id, at: 1)
        guard try row.step() else { return nil }
        guard let status = SagaStatus(rawValue: UInt8(truncatingIfNeeded: row.int64(1))) else {
            throw .corrupt("saga \(id): unknown status \(row.int64(1))", sql: row.sql)
        }
        var cause: SagaAbortCause?
        if let code = row.optionalInt64(4) {
            cause = SagaAbortCause(code: UInt8(truncatingIfNeeded: code), step: row.optionalInt64(5).map { Int($0) })
            guard cause != nil else { throw .corrupt("saga \(id): unknown abort cause \(code)", sql: row.sql) }
        }
        let closed = row.int64(2) != 0
        let deadline = row.optionalInt64(3).map { Timestamp(milliseconds: $0) }
        let createdAt = Timestamp(milliseconds: row.int64(6))
        let updatedAt = Timestamp(milliseconds: row.int64(7))
        row.reset()

        var steps: [SagaStep] = []
        var state = SagaState(
            saga: Saga(id: id, steps: [], isClosed: false, deadline: nil), createdAt: createdAt, updatedAt: updatedAt)
        let rows = try connection.cached(Self.stepsSQL)
        defer { rows.reset() }
        try rows.bind(id, at: 1)
        while try rows.step() {
            let index = Int(rows.int64(0))
            guard index >= 0, index < Saga.maxSteps,
                  let forward = SagaForwardState(rawValue: UInt8(truncatingIfNeeded: rows.int64(7))),
                  let compensation = SagaCompensationState(
                      code: UInt8(truncatingIfNeeded: rows.int64(8)), forwardUnknown: rows.int64(9) != 0)
            else { throw .corrupt("saga \(id) step \(rows.int64(0)): unknown index or state", sql: rows.sql) }
            let retry = rows.isNull(6) ? nil : try SagaBody.decodeSpec(rows.blob(6))
            let spec = SagaStepSpec(
                service: rows.text(1), processor: rows.text(2), forward: rows.text(4), compensation: rows.text(5),
                eventId: rows.text(3), retry: retry)
            // A gap before this step: never declared, so never started; settled once the saga aborted.
            while steps.count < index {
                steps.append(SagaStep(spec: nil, compensation: status == .running || status == .completed ? .none : .notNeeded))
            }
            steps.append(SagaStep(spec: spec, forward: forward, compensation: compensation))
            state.forwardIds[index] = rows.optionalInt64(10)
            state.compensationIds[index] = rows.optionalInt64(11)
            state.payloads[index] = rows.blob(12)
        }
        state.saga = Saga(restoring: id, steps: steps, isClosed: closed, deadline: deadline, status: status, abortCause: cause)
        return state
    }

    /// Writes the saga and every declared step (INSERT or REPLACE).
    func write(_ state: SagaState) throws(JournalError) {
        let saga = state.saga
        let row = try connection.cached("""
            INSERT OR REPLACE INTO sagas (id, status, closed, deadline, abort_cause, abort_step, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        try row.bind(saga.id, at: 1)
        try row.bind(Int64(saga.status.rawValue), at: 2)
        try row.bind(saga.isClosed ? 1 : 0, at: 3)
        try row.bind(saga.deadline?.milliseconds, at: 4)
        try row.bind(saga.abortCause.map { Int64($0.code) }, at: 5)
        try row.bind(saga.abortCause?.step.map { Int64($0) }, at: 6)
        try row.bind(state.createdAt.milliseconds, at: 7)
        try row.bind(state.updatedAt.milliseconds, at: 8)
        try row.run()
        let step = try connection.cached("""
            INSERT OR REPLACE INTO saga_steps (saga_id, step, service, processor, event_id, forward, compensation,
            retry_spec, forward_state, compensation_state, forward_unknown, forward_execution_id,
            compensation_execution_id, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
            """)
        for (index, value) in saga.steps.enumerated() {
            guard let spec = value.spec else { continue }  // a gap has no row
            try step.bind(saga.id, at: 1)
            try step.bind(index, at: 2)
            try step.bind(spec.service, at: 3)
            try step.bind(spec.processor, at: 4)
            try step.bind(spec.eventId, at: 5)
            try step.bind(spec.forward, at: 6)
            try step.bind(spec.compensation, at: 7)
            if let retry = spec.retry { try step.bind(blob: SagaBody.encodeSpec(retry), at: 8) } else { try step.bindNull(at: 8) }
            try step.bind(Int64(value.forward.rawValue), at: 9)
            try step.bind(Int64(value.compensation.code), at: 10)
            try step.bind(value.compensation.forwardUnknown ? 1 : 0, at: 11)
            try step.bind(state.forwardIds[index], at: 12)
            try step.bind(state.compensationIds[index], at: 13)
            try step.bind(blob: state.payloads[index] ?? [], at: 14)
            try step.run()
        }
    }

    /// Adds journal row `seq` to saga `id`'s history (`saga_journal`); a row already there stays.
    func link(seq: Int64, to id: String) throws(JournalError) {
        let statement = try connection.cached("INSERT OR IGNORE INTO saga_journal (saga_id, seq) VALUES (?1, ?2)")
        try statement.bind(id, at: 1)
        try statement.bind(seq, at: 2)
        try statement.run()
    }

    /// The saga and step whose forward is execution `id`, or nil (through `saga_steps_forward`).
    func forwardStep(of id: ExecutionID) throws(JournalError) -> (sagaId: String, step: Int)? {
        let statement = try connection.cached("SELECT saga_id, step FROM saga_steps WHERE forward_execution_id = ?1 LIMIT 1")
        defer { statement.reset() }
        try statement.bind(id, at: 1)
        guard try statement.step() else { return nil }
        return (statement.text(0), Int(statement.int64(1)))
    }

    /// The earliest deadline of a RUNNING saga (through `sagas_deadline`); nil when none has one.
    func earliestDeadline() throws(JournalError) -> Timestamp? {
        let statement = try connection.cached("SELECT min(deadline) FROM sagas WHERE status = 1 AND deadline IS NOT NULL")
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.optionalInt64(0).map { Timestamp(milliseconds: $0) }
    }

    /// Up to `limit` RUNNING sagas whose deadline is at or before `now`, earliest first.
    func pastDeadline(now: Timestamp, limit: Int) throws(JournalError) -> [String] {
        let statement = try connection.cached("""
            SELECT id FROM sagas WHERE status = 1 AND deadline IS NOT NULL AND deadline <= ?1 ORDER BY deadline LIMIT ?2
            """)
        defer { statement.reset() }
        try statement.bind(now.milliseconds, at: 1)
        try statement.bind(limit, at: 2)
        var ids: [String] = []
        while try statement.step() { ids.append(statement.text(0)) }
        return ids
    }
}
