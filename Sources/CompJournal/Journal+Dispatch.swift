import CompModel

extension Journal {
    /// Leases up to `limit` due FAILED executions of `service` to `holder`, earliest due first; each lease's
    /// fencing token is the seq of its `leased` row. A paused service gets none.
    ///
    /// Stops before the sizes of the leased executions (as leased) would pass `budget.bytes`; the first
    /// always goes, so a due execution is never starved by its size.
    func leaseDue(
        service: String, holder: String, limit: Int, budget: LeaseBudget, batch: inout Batch
    ) throws(JournalError) -> [Execution] {
        guard !paused.contains(service) else { return [] }
        var leased: [Execution] = []
        var bytes = 0
        for current in try queries.due(service: service, now: batch.now, limit: limit) {
            var next = current
            var random = random(for: nextSeq)
            do {
                try next.apply(.lease(token: UInt64(bitPattern: nextSeq), holder: holder), now: batch.now, random: &random)
            } catch {
                continue  // cannot happen for a row the due query returned; skip rather than fail the batch
            }
            let size = max(0, budget.size(next))
            if !leased.isEmpty, size > budget.bytes - bytes { break }
            bytes += size
            try journal(.leased(holder: holder), recordId: nil, execution: next, previous: current, batch: &batch)
            leased.append(next)
        }
        return leased
    }

    /// Expires up to `limit` leases that ended at or before now, earliest first: each counts as a failed
    /// attempt (timeout) and is rescheduled or parked.
    func expireLeases(limit: Int, batch: inout Batch) throws(JournalError) -> [Execution] {
        var expired: [Execution] = []
        for current in try queries.expiredLeases(now: batch.now, limit: limit) {
            var next = current
            var random = random(for: nextSeq)
            do {
                try next.apply(.expireLease, now: batch.now, random: &random)
            } catch {
                continue  // cannot happen for a row the expiry query returned
            }
            try journal(.timeout, recordId: nil, execution: next, previous: current, batch: &batch)
            expired.append(next)
        }
        return expired
    }

    /// Extends the lease `token` of `id` by `span` from now (never shortening it).
    func extendLease(
        _ id: ExecutionID, token: UInt64, by span: TimeSpan, batch: inout Batch
    ) throws(JournalError) -> Result<Timestamp, JournalRejection> {
        guard let current = try currentExecution(id) else { return .failure(.unknownExecution) }
        var next = current
        var random = random(for: nextSeq)
        do {
            try next.apply(.extendLease(token: token, by: span), now: batch.now, random: &random)
        } catch {
            return .failure(.model(error))
        }
        guard let until = next.lease?.until else { return .failure(.model(.stale)) }
        try journal(.extended(token: token, by: span), recordId: nil, execution: next, previous: current, batch: &batch)
        return .success(until)
    }

    /// Returns the lease `token` of `id` whose retry command was not delivered: journaled as `returned`;
    /// the model decides whether the attempt counts (see `ExecutionInput.returnLease`).
    func returnLease(
        _ id: ExecutionID, token: UInt64, batch: inout Batch
    ) throws(JournalError) -> Result<Void, JournalRejection> {
        guard let current = try currentExecution(id) else { return .failure(.unknownExecution) }
        var next = current
        var random = random(for: nextSeq)
        do {
            try next.apply(.returnLease(token: token), now: batch.now, random: &random)
        } catch {
            return .failure(.model(error))
        }
        try journal(.returned(token: token), recordId: nil, execution: next, previous: current, batch: &batch)
        return .success(())
    }

    /// Every PREPARED execution's id and service, through the lease index.
    public func leasedExecutions() throws(JournalError) -> [(id: ExecutionID, service: String)] {
        try queries.leasedExecutions()
    }
}
