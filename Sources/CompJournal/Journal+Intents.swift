import CompModel

extension Journal {
    /// A `started` record (the persist-before-call intent), after dedupe: creates the key's execution,
    /// PREPARED and leased to `intentLeaseHolder` for the spec's execution timeout, under the fencing token
    /// that equals the new row's seq (and so the execution's id). A key that already has an open execution
    /// refuses it with `keyConflict`: the reporter must not run the call a second time beside it.
    ///
    /// - Returns: `.accepted(id)`; the lease token is `UInt64(id)` (`RecordResult.intentLeaseToken`).
    func applyStarted(_ record: IncomingRecord, batch: inout Batch) throws(JournalError) -> RecordResult {
        if try openExecution(key: record.key) != nil { return .rejected(.keyConflict) }
        do {
            try record.spec.validate()
        } catch {
            return .rejected(.model(error))
        }
        let seq = nextSeq
        let creation = EntryBody.Creation(
            key: record.key, correlationId: record.correlationId, spec: record.spec, payload: record.payload)
        let execution = Execution.start(
            id: seq, key: record.key, correlationId: record.correlationId, spec: record.spec,
            payload: record.payload, token: UInt64(bitPattern: seq), now: batch.now)
        try journal(
            .started(creation, occurredAt: record.occurredAt ?? batch.now), recordId: record.id,
            execution: execution, previous: nil, batch: &batch)
        return .accepted(execution.id)
    }
}

extension RecordResult {
    /// The lease token of the intent a `started` record created (accepted) or created before (a duplicate
    /// of it): the seq of the row that created the execution, which is the execution's id.
    public var intentLeaseToken: UInt64? {
        switch self {
        case .accepted(let id), .duplicate(let id?): id > 0 ? UInt64(bitPattern: id) : nil
        default: nil
        }
    }
}
