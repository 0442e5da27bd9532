import CompModel

extension Journal {
    /// Applies an operator action to one execution.
    ///
    /// Only operator inputs are accepted (`ExecutionInput.isOperatorAction`); any other input is refused as
    /// `.model(.notAllowed)`. A function change to a key that another open execution has is a `.keyConflict`.
    func operate(
        _ id: ExecutionID, _ input: ExecutionInput, actor: String, batch: inout Batch
    ) throws(JournalError) -> Result<Execution, JournalRejection> {
        guard let current = try queries.execution(id) else { return .failure(.unknownExecution) }
        if input == .forceRetry { return try forceRetry(current, actor: actor, batch: &batch) }
        guard let body = EntryBody(operatorInput: input) else {
            return .failure(.model(.notAllowed(input: input.name, status: current.status)))
        }
        var next = current
        var random = random(for: nextSeq)
        do {
            try next.apply(input, now: batch.now, random: &random)
        } catch {
            return .failure(.model(error))
        }
        if next.key != current.key, try openExecution(key: next.key, excluding: id) != nil {
            return .failure(.keyConflict)
        }
        try journal(body, recordId: nil, execution: next, previous: current, actor: actor, batch: &batch)
        return .success(next)
    }

    /// A forced retry: for a PREPARED execution, the lease is first returned (a `returned` row: the
    /// token is fenced, the attempt not counted, due now), then retried (a `retry` row); otherwise a
    /// plain retry. Written as these existing rows, a rebuild from the journal replays it exactly.
    private func forceRetry(
        _ current: Execution, actor: String, batch: inout Batch
    ) throws(JournalError) -> Result<Execution, JournalRejection> {
        var previous = current
        if current.status == .prepared, let lease = current.lease {
            var returned = current
            var random = random(for: nextSeq)
            do {
                try returned.apply(.returnLease(token: lease.token), now: batch.now, random: &random)
            } catch {
                return .failure(.model(error))
            }
            try journal(
                .returned(token: lease.token), recordId: nil, execution: returned, previous: current, actor: actor,
                batch: &batch)
            previous = returned
        }
        var next = previous
        var random = random(for: nextSeq)
        do {
            try next.apply(.retryNow, now: batch.now, random: &random)
        } catch {
            return .failure(.model(error))
        }
        try journal(.retry, recordId: nil, execution: next, previous: previous, actor: actor, batch: &batch)
        return .success(next)
    }
}
