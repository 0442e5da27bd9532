import CompModel

extension Journal {
    /// Applies an operator action to one execution.
    ///
    /// Only operator inputs are accepted (`ExecutionInput.isOperatorAction`); any other input is refused as
    /// `.model(.notAllowed)`. A function change to a key that another open execution has is a `.keyConflict`.
    func operate(
        _ id: ExecutionID, _ input: ExecutionInput, batch: inout Batch
    ) throws(JournalError) -> Result<Execution, JournalRejection> {
        guard let current = try queries.execution(id) else { return .failure(.unknownExecution) }
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
        try journal(body, recordId: nil, execution: next, previous: current, batch: &batch)
        return .success(next)
    }
}
