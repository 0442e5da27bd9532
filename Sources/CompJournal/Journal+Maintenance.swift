import CompModel

extension Journal {
    /// Rebuilds the executions table (and the status counts) by replaying every journal row through the
    /// model in seq order, in one transaction.
    ///
    /// Replay is exact because every id and random choice is derived from the journal: a new execution's id
    /// is the seq of its creating row, a lease token is the seq of its `leased` row, and each transition uses
    /// the row's `at` as now and `SplitMix64(seed: seq)` as its jitter source.
    /// - Throws: `JournalError` when SQLite fails, or (SQLITE_CORRUPT) when a row cannot be decoded or
    ///   replayed; the projection is then left as it was.
    public func rebuildProjection() throws(JournalError) {
        store.tracksOpenKeys = false
        store.forgetLeased()
        defer { store.tracksOpenKeys = true }
        do {
            try connection.inTransaction { () throws(JournalError) in
                try connection.execute("DELETE FROM executions; DELETE FROM status_counts; DELETE FROM sagas; DELETE FROM saga_steps;")
                let rows = try connection.prepare("SELECT seq, execution_id, at, kind, body FROM journal ORDER BY seq")
                while try rows.step() {
                    try replay(
                        seq: rows.int64(0), executionId: rows.int64(1), at: Timestamp(milliseconds: rows.int64(2)),
                        kind: rows.int64(3), body: rows.blob(4))
                }
                try store.flushCounts()
            }
        } catch {
            store.discardCounts()
            try store.loadOpenKeys()
            try loadSagaLinks()
            throw error
        }
        try store.loadOpenKeys()
        try loadSagaLinks()
    }

    private func replay(seq: Int64, executionId: ExecutionID, at: Timestamp, kind raw: Int64, body bytes: [UInt8]) throws(JournalError) {
        guard let kind = EntryKind(rawValue: raw) else { throw .corrupt("journal row \(seq): unknown kind \(raw)") }
        let body = try EntryBody(kind: kind, bytes: bytes)
        var random = random(for: seq)
        if case .saga(let saga) = body { try replaySaga(saga, seq: seq, at: at) }
        if let execution = body.createdExecution(seq: seq, at: at) {
            return try store.write(execution, previous: nil)
        }
        guard let input = body.input(seq: seq) else { return }  // stale, service and saga rows: no execution changes
        guard let current = try queries.execution(executionId) else {
            throw .corrupt("journal row \(seq) (\(kind.name)) names execution \(executionId), which no earlier row created")
        }
        var next = current
        do {
            try next.apply(input, now: at, random: &random)
        } catch {
            throw .corrupt("journal row \(seq) (\(kind.name)) does not replay on execution \(executionId): \(error)")
        }
        try store.write(next, previous: current)
    }

    /// How long `failure_counts` rows are kept: two days, twice the overview's window.
    static let failureCountsKept = TimeSpan.seconds(2 * 24 * 3600)

    /// How many executions one prune transaction deletes at most: small enough that the writer's lock is
    /// held briefly, large enough that the per-transaction cost (fsync) is spread.
    static let pruneBatchSize = 256

    /// Deletes finished executions past retention in transactions of `pruneBatchSize`, one after the other,
    /// until none is left or `budget` is spent (checked after each transaction, so one always runs).
    ///
    /// - Parameters:
    ///   - now: the broker's clock.
    ///   - budget: how long to keep going.
    /// - Returns: how many executions were deleted.
    /// - Throws: `JournalError` when SQLite fails; the transactions committed before stay committed.
    public func prune(now: Timestamp, budget: Duration) throws(JournalError) -> Int {
        let clock = ContinuousClock()
        let start = clock.now
        var total = 0
        while true {
            let deleted = try prune(now: now, batchSize: Self.pruneBatchSize)
            total += deleted
            if deleted < Self.pruneBatchSize || clock.now - start >= budget { return total }
        }
    }

    /// The oldest finished executions changed before ?1, at most ?2, through `executions_finished`.
    static let pruneSelectSQL = """
        SELECT id, status, park_reason FROM executions WHERE status IN (3, 5) AND updated_at < ?1 \
        ORDER BY updated_at LIMIT ?2
        """

    /// Deletes up to `batchSize` finished (SUCCEEDED or DISCARDED) executions last changed before
    /// `now − retention`, oldest first, with all their journal rows, then up to `batchSize` finished sagas
    /// (`prunableSagas`), in one small transaction.
    ///
    /// Call repeatedly (between group commits) until it returns less than `batchSize`.
    /// - Parameters:
    ///   - now: the broker's clock.
    ///   - batchSize: the most executions to delete in this call.
    /// - Returns: how many executions and sagas were deleted.
    /// - Throws: `JournalError` when SQLite fails (nothing is deleted then).
    public func prune(now: Timestamp, batchSize: Int) throws(JournalError) -> Int {
        guard batchSize > 0 else { return 0 }
        let cutoff = now.adding(TimeSpan(milliseconds: -options.retention.milliseconds))
        do {
            return try connection.inTransaction { () throws(JournalError) -> Int in
                let select = try connection.cached(Self.pruneSelectSQL)
                try select.bind(cutoff.milliseconds, at: 1)
                try select.bind(batchSize, at: 2)
                var victims: [(ExecutionID, ExecutionStatus, ParkReason?)] = []
                while try select.step() {
                    guard let status = ExecutionStatus(rawValue: UInt8(truncatingIfNeeded: select.int64(1))) else {
                        throw .corrupt("execution \(select.int64(0)): unknown status", sql: select.sql)
                    }
                    victims.append((
                        select.int64(0), status,
                        select.optionalInt64(2).flatMap { ParkReason(rawValue: UInt8(truncatingIfNeeded: $0)) }))
                }
                select.reset()
                let oldCounts = try connection.cached("DELETE FROM failure_counts WHERE bucket < ?1")
                try oldCounts.bind(now.milliseconds - Self.failureCountsKept.milliseconds, at: 1)
                try oldCounts.run()
                for (id, status, reason) in victims { try store.delete(id, status: status, parkReason: reason) }
                let sagas = hasSagas ? try pruneSagas(before: cutoff, limit: batchSize) : 0
                guard !victims.isEmpty || sagas > 0 else { return 0 }
                try store.flushCounts()
                // The newest rows may have gone: remember the high-water mark so seqs are never reused.
                try store.setMeta("seq_floor", nextSeq - 1)
                return victims.count + sagas
            }
        } catch {
            store.discardCounts()
            throw error
        }
    }

    /// Finished sagas (COMPLETED or COMPENSATED) last changed before ?1, none of whose forward or
    /// compensation executions is still stored, oldest first, at most ?2.
    static let prunableSagasSQL = """
        SELECT id FROM sagas WHERE status IN (2, 4) AND updated_at < ?1 AND NOT EXISTS (
            SELECT 1 FROM saga_steps s JOIN executions e
            ON e.id = s.forward_execution_id OR e.id = s.compensation_execution_id
            WHERE s.saga_id = sagas.id)
        ORDER BY updated_at LIMIT ?2
        """

    /// Deletes up to `limit` finished sagas past retention with their own journal rows (execution id 0:
    /// saga-step and saga-status rows, and step successes that had no execution) and their steps.
    ///
    /// A saga goes only after every execution it links is gone (those are pruned by their own retention),
    /// so no row left in the journal names it: a rebuild never meets a row of a saga it cannot find.
    /// - Returns: how many sagas were deleted.
    private func pruneSagas(before cutoff: Timestamp, limit: Int) throws(JournalError) -> Int {
        let select = try connection.cached(Self.prunableSagasSQL)
        try select.bind(cutoff.milliseconds, at: 1)
        try select.bind(limit, at: 2)
        var ids: [String] = []
        while try select.step() { ids.append(select.text(0)) }
        select.reset()
        for id in ids {
            for sql in [
                "DELETE FROM journal WHERE seq IN (SELECT seq FROM saga_journal WHERE saga_id = ?1) AND execution_id = 0",
                "DELETE FROM saga_journal WHERE saga_id = ?1",
                "DELETE FROM saga_steps WHERE saga_id = ?1",
                "DELETE FROM sagas WHERE id = ?1",
            ] {
                let statement = try connection.cached(sql)
                try statement.bind(id, at: 1)
                try statement.run()
            }
        }
        return ids.count
    }
}
