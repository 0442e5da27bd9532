import CompModel

extension Journal {
    /// Applies one record: dedupe by id, then an intent (`started`), a leased result (fencing) or a report by key.
    func apply(_ record: IncomingRecord, batch: inout Batch) throws(JournalError) -> RecordResult {
        // (1) Dedupe: the rows of this unit not yet written (`Store.pendingExecution(ofRecord:)`), then the unique
        // index, which sees the rows of earlier units of this transaction; an id above every stored one is new for
        // certain and needs no lookup.
        if store.mayHaveRecord(record.id) {
            if let first = store.pendingExecution(ofRecord: record.id) { return .duplicate(first) }
            if let first = try queries.executionId(ofRecord: record.id) { return .duplicate(first) }
        }
        let report = record.failure
            ?? FailureReport(error: ErrorInfo(code: "UNKNOWN", message: "no error given"), occurredAt: batch.now)
        if record.hasSaga { return try applySagaRecord(record, report: report, batch: &batch) }
        if record.kind == .started { return try applyStarted(record, batch: &batch) }
        if let lease = record.lease {
            return try applyResult(record, report: report, executionId: lease.executionId, token: lease.token, batch: &batch)
        }
        return try applyByKey(record, report: report, batch: &batch)
    }

    /// (2) The result of a leased attempt: applied only with the current token, else journaled as stale.
    func applyResult(
        _ record: IncomingRecord, report: FailureReport, executionId: ExecutionID, token: UInt64, batch: inout Batch
    ) throws(JournalError) -> RecordResult {
        guard let current = try currentExecution(executionId) else { return .rejected(.unknownExecution) }
        guard current.key.service == record.key.service, current.key.eventId == record.key.eventId else {
            return .rejected(.keyMismatch)
        }
        let body: EntryBody = record.kind == .failure
            ? .failureResult(token: token, report) : .successResult(token: token)
        let input: ExecutionInput = record.kind == .failure
            ? .failure(report, leaseToken: token) : .success(leaseToken: token)
        var next = current
        var random = random(for: nextSeq)
        do {
            try next.apply(input, now: batch.now, random: &random)
        } catch .stale, .duplicate {
            let stale = EntryBody.stale(
                resultKind: body.kind, token: token, record.kind == .failure ? report : nil)
            let staleSeq = nextSeq
            try journalOnly(stale, recordId: record.id, executionId: current.id, batch: &batch)
            if hasSagas, !record.hasSaga, record.kind == .success {
                try staleForwardSuccess(record, executionId: current.id, staleSeq: staleSeq, batch: &batch)
            }
            return .stale(current.id)
        } catch {
            return .rejected(.model(error))
        }
        try journal(body, recordId: record.id, execution: next, previous: current, batch: &batch)
        return .accepted(current.id)
    }

    /// (3) A report by key: joins the key's open execution, creates one (failure), or is not held (success).
    func applyByKey(
        _ record: IncomingRecord, report: FailureReport, batch: inout Batch
    ) throws(JournalError) -> RecordResult {
        // The open-key map names the candidates; none means no open execution has the key.
        let open = try openExecution(key: record.key)
        switch (record.kind, open) {
        case (.failure, let current?):
            return try applyInput(
                .failure(report, leaseToken: nil), body: .failure(report, creation: nil), record: record,
                to: current, batch: &batch)
        case (.failure, nil):
            do {
                try record.spec.validate()
            } catch {
                return .rejected(.model(error))
            }
            let seq = nextSeq
            var random = random(for: seq)
            let execution = Execution.create(
                id: seq, key: record.key, correlationId: record.correlationId, failure: report, spec: record.spec,
                payload: record.payload, now: batch.now, random: &random)
            // A body encoded ahead is this one: it is made only for a record with its own report (so `report` is it).
            try journal(
                .failure(report, creation: record.creation), recordId: record.id, execution: execution, previous: nil,
                encodedBody: record.creationBody, batch: &batch)
            return .accepted(execution.id)
        case (.success, let current?):
            return try applyInput(.success(leaseToken: nil), body: .success, record: record, to: current, batch: &batch)
        case (.success, nil):
            return .notHeld
        case (.started, _):
            return try applyStarted(record, batch: &batch)  // a saga step's intent comes this way
        }
    }

    private func applyInput(
        _ input: ExecutionInput, body: EntryBody, record: IncomingRecord, to current: Execution, batch: inout Batch
    ) throws(JournalError) -> RecordResult {
        var next = current
        var random = random(for: nextSeq)
        do {
            try next.apply(input, now: batch.now, random: &random)
        } catch {
            return .rejected(.model(error))
        }
        try journal(body, recordId: record.id, execution: next, previous: current, batch: &batch)
        return .accepted(current.id)
    }
}

extension Journal {
    /// Execution `id` as it stands in this transaction: a new one not yet inserted, a leased one kept in memory,
    /// else read from the table.
    func currentExecution(_ id: ExecutionID) throws(JournalError) -> Execution? {
        if let pending = store.pendingExecution(id) { return pending }
        if let leased = store.leased.execution(id) { return leased }
        return try queries.execution(id)
    }

    /// The open execution of `key` (excluding one id), found through the open-key map and read by id.
    func openExecution(key: ExecutionKey, excluding: ExecutionID? = nil) throws(JournalError) -> Execution? {
        let hash = OpenKeys.fold(key)
        guard let first = store.openKeys.firstCandidate(hash) else { return nil }
        func check(_ id: ExecutionID) throws(JournalError) -> Execution? {
            guard id != excluding, let execution = try currentExecution(id), execution.isOpen, execution.key == key else {
                return nil
            }
            return execution
        }
        if let found = try check(first) { return found }
        for id in store.openKeys.otherCandidates(hash) {
            if let found = try check(id) { return found }
        }
        return nil
    }
}
