import CompModel

extension JournalConnection {
    /// A page of sagas, newest updated first (ties: greater id first), optionally of one status.
    ///
    /// - Parameters:
    ///   - status: only sagas in this status; nil: any.
    ///   - limit: the page size.
    ///   - cursor: the previous page's `nextCursor`, or nil for the first page.
    /// - Returns: the page and the cursor of the next one (nil when this was the last).
    /// - Throws: `JournalError` when SQLite fails, or (SQLITE_MISUSE) when the cursor is not one this method made.
    public func sagas(
        status: SagaStatus?, limit: Int, before cursor: String?
    ) throws(JournalError) -> (sagas: [SagaSummary], nextCursor: String?) {
        guard limit > 0 else { return ([], nil) }
        var position: (updatedAt: Int64, id: String)?
        if let cursor {
            guard let decoded = SagaCursor.decode(cursor) else { throw .misuse("saga cursor \(cursor) is not valid") }
            position = decoded
        }
        var terms: [String] = []
        if status != nil { terms.append("status = ?1") }
        if position != nil { terms.append("(updated_at < ?2 OR (updated_at = ?2 AND id < ?3))") }
        let statement = try connection.cached("""
            SELECT id, status, deadline, abort_cause, abort_step, created_at, updated_at,
            (SELECT count(*) FROM saga_steps WHERE saga_id = sagas.id) FROM sagas
            \(terms.isEmpty ? "" : "WHERE " + terms.joined(separator: " AND ")) ORDER BY updated_at DESC, id DESC LIMIT ?4
            """)
        defer { statement.reset() }
        if let status { try statement.bind(Int64(status.rawValue), at: 1) }
        if let position {
            try statement.bind(position.updatedAt, at: 2)
            try statement.bind(position.id, at: 3)
        }
        try statement.bind(limit + 1, at: 4)
        var found: [SagaSummary] = []
        while try statement.step() {
            let id = statement.text(0)
            guard let status = SagaStatus(rawValue: UInt8(truncatingIfNeeded: statement.int64(1))) else {
                throw .corrupt("saga \(id): unknown status \(statement.int64(1))", sql: statement.sql)
            }
            found.append(SagaSummary(
                id: id, status: status, stepCount: Int(statement.int64(7)),
                deadline: statement.optionalInt64(2).map { Timestamp(milliseconds: $0) },
                abortCause: statement.optionalInt64(3).flatMap {
                    SagaAbortCause(code: UInt8(truncatingIfNeeded: $0), step: statement.optionalInt64(4).map { Int($0) })
                },
                createdAt: Timestamp(milliseconds: statement.int64(5)), updatedAt: Timestamp(milliseconds: statement.int64(6))))
        }
        guard found.count > limit else { return (found, nil) }
        found.removeLast()
        let last = found[found.count - 1]
        return (found, SagaCursor.encode(updatedAt: last.updatedAt.milliseconds, id: last.id))
    }

    /// One saga with its declared steps and every journal row of it in seq order; nil when no saga has `id`.
    ///
    /// - Throws: `JournalError` when SQLite fails or a stored code is unknown.
    public func saga(id: String) throws(JournalError) -> SagaDetail? {
        guard let state = try SagaRows(connection: connection).load(id) else { return nil }
        let saga = state.saga
        var steps: [SagaStepRow] = []
        for (index, step) in saga.steps.enumerated() {
            guard let spec = step.spec else { continue }
            steps.append(SagaStepRow(
                index: index, service: spec.service, processor: spec.processor, eventId: spec.eventId,
                forward: spec.forward, compensation: spec.compensation, forwardState: step.forward,
                compensationState: step.compensation, forwardExecutionId: state.forwardIds[index],
                compensationExecutionId: state.compensationIds[index]))
        }
        let summary = SagaSummary(
            id: id, status: saga.status, stepCount: steps.count, deadline: saga.deadline, abortCause: saga.abortCause,
            createdAt: state.createdAt, updatedAt: state.updatedAt)
        return SagaDetail(summary: summary, steps: steps, history: try queries.sagaHistory(id))
    }
}

/// The keyset position of a saga page: "<updated_at ms>:<id>" (the id may contain ':'; the first one splits).
enum SagaCursor {
    static func encode(updatedAt: Int64, id: String) -> String { "\(updatedAt):\(id)" }

    /// Splits at the first `:` scalar (not character: a combining mark after the colon would make the
    /// colon part of another character and hide it).
    static func decode(_ text: String) -> (updatedAt: Int64, id: String)? {
        let scalars = text.unicodeScalars
        guard let colon = scalars.firstIndex(of: ":"), let updatedAt = Int64(String(scalars[..<colon])) else { return nil }
        return (updatedAt, String(scalars[scalars.index(after: colon)...]))
    }
}

extension Queries {
    /// Every journal row of saga `id` (through `saga_journal`), in seq order.
    func sagaHistory(_ id: String) throws(JournalError) -> [JournalEntry] {
        let statement = try connection.cached("""
            SELECT j.seq, j.at, j.execution_id, j.kind, j.record_id, j.summary, j.actor
            FROM saga_journal s JOIN journal j ON j.seq = s.seq WHERE s.saga_id = ?1 ORDER BY s.seq
            """)
        try statement.bind(id, at: 1)
        return try entries(statement)
    }
}
