import CompModel

/// What links an open execution to a saga step: its forward, or its compensation.
struct SagaLink: Equatable {
    enum Role: Equatable {
        case forward
        case compensation(forwardUnknown: Bool)
    }

    var sagaId: String
    var step: Int
    var role: Role
}

/// One saga input to journal: the row's record id (a success with no execution keeps its id for dedupe) and
/// actor (an operator's abort).
struct SagaRowInput {
    var event: SagaRowEvent
    var recordId: RecordID?
    var actor: String?

    init(_ event: SagaRowEvent, recordId: RecordID? = nil, actor: String? = nil) {
        self.event = event
        self.recordId = recordId
        self.actor = actor
    }
}

extension Journal {
    /// The actor of the rows the broker writes for a saga (fencing a forward, discarding a parked one).
    public static let sagaActor = "saga"

    var sagaRows: SagaRows { SagaRows(connection: connection) }

    /// Loads the links of the open executions of every saga step (forwards and compensations).
    func loadSagaLinks() throws(JournalError) {
        sagaLinks = [:]
        hasSagas = try connection.scalarInt("SELECT EXISTS (SELECT 1 FROM sagas)") == 1
        guard hasSagas else { return }
        let forwards = try connection.prepare("""
            SELECT s.saga_id, s.step, s.forward_execution_id FROM saga_steps s
            JOIN executions e ON e.id = s.forward_execution_id WHERE \(Schema.isOpen.replacing("status", with: "e.status"))
            """)
        while try forwards.step() {
            sagaLinks[forwards.int64(2)] = SagaLink(sagaId: forwards.text(0), step: Int(forwards.int64(1)), role: .forward)
        }
        let compensations = try connection.prepare("""
            SELECT s.saga_id, s.step, s.compensation_execution_id, s.forward_unknown FROM saga_steps s
            JOIN executions e ON e.id = s.compensation_execution_id WHERE \(Schema.isOpen.replacing("status", with: "e.status"))
            """)
        while try compensations.step() {
            sagaLinks[compensations.int64(2)] = SagaLink(
                sagaId: compensations.text(0), step: Int(compensations.int64(1)),
                role: .compensation(forwardUnknown: compensations.int64(3) != 0))
        }
    }

    /// The marker of a compensation execution's retry commands, or nil for any other execution (from memory).
    public func compensationMarker(of id: ExecutionID) -> CompensationMarker? {
        guard !sagaLinks.isEmpty, let link = sagaLinks[id], case .compensation(let unknown) = link.role else { return nil }
        return CompensationMarker(sagaId: link.sagaId, step: link.step, forwardUnknown: unknown)
    }

    /// The earliest deadline of a RUNNING saga; nil when none has one.
    public func earliestSagaDeadline() throws(JournalError) -> Timestamp? {
        guard hasSagas else { return nil }
        return try sagaRows.earliestDeadline()
    }

    // MARK: Records

    /// A record with a SagaRef: declares the saga and the step when they are new, applies the record to its
    /// execution as any record, then feeds the saga what the record did, all in the record's unit.
    @inline(never)  // off the hot path of records without a SagaRef
    func applySagaRecord(_ record: IncomingRecord, report: FailureReport, batch: inout Batch) throws(JournalError) -> RecordResult {
        guard let ref = record.saga else { return .rejected(.sagaInvalid("saga: missing")) }
        let spec = SagaStepSpec(
            service: record.key.service, processor: record.key.processor, forward: record.key.function,
            compensation: ref.compensation, eventId: record.key.eventId, retry: ref.retry)
        // (1) Would the saga take the step? Refuse the record before anything is written. An intent (`started`)
        // for a saga that is no longer RUNNING is refused with `saga_aborted`: the hanging guard for forwards,
        // the caller must not run it (a forward success or failure is still taken).
        let stored = try sagaRows.load(ref.sagaId)
        if record.kind == .started, let saga = stored?.saga, saga.status != .running {
            return .rejected(.sagaAborted(id: ref.sagaId, status: saga.status))
        }
        var probe = stored?.saga
            ?? Saga(id: ref.sagaId, steps: [], isClosed: false, deadline: ref.deadline)
        if Self.needsDeclaration(probe, ref.step, spec, isLast: ref.isLast) {
            do {
                _ = try probe.apply(.declareStep(ref.step, spec, isLast: ref.isLast))
            } catch {
                return .rejected(.sagaInvalid("saga.step: \(error)"))
            }
        }
        if let declared = probe.steps[ref.step].spec,
           declared.service != spec.service || declared.processor != spec.processor || declared.forward != spec.forward {
            return .rejected(.sagaInvalid(
                "saga.step: step \(ref.step) of saga \(ref.sagaId) is \(declared.service)/\(declared.processor)/\(declared.forward)"))
        }

        // (2) The record on its execution, as any record.
        let linksBefore = sagaLinks
        let firstSeq = nextSeq
        var result: RecordResult
        if let lease = record.lease {
            result = try applyResult(record, report: report, executionId: lease.executionId, token: lease.token, batch: &batch)
        } else {
            result = try applyByKey(record, report: report, batch: &batch)
        }
        if case .rejected = result { return result }
        let recordRows = firstSeq..<nextSeq

        // (3) What it means for the saga.
        var inputs: [SagaRowInput] = []
        var state: SagaState
        if let stored = try sagaRows.load(ref.sagaId) {
            state = stored
        } else {
            state = SagaState(
                saga: Saga(id: ref.sagaId, steps: [], isClosed: false, deadline: ref.deadline),
                createdAt: batch.now, updatedAt: batch.now)
            inputs.append(SagaRowInput(.create(deadline: ref.deadline, steps: [], closed: false)))
        }
        if Self.needsDeclaration(state.saga, ref.step, spec, isLast: ref.isLast) {
            inputs.append(SagaRowInput(.declare(step: ref.step, spec, isLast: ref.isLast)))
        }
        let payload = record.payload.isEmpty ? nil : record.payload
        var parkedForward: ExecutionID?
        switch (record.kind, result) {
        case (.failure, .accepted(let id)), (.started, .accepted(let id)):  // started: the intent's execution
            if state.forwardIds[ref.step] != id { inputs.append(SagaRowInput(.started(step: ref.step, executionId: id))) }
            if linksBefore[id] == nil, let execution = try queries.execution(id) {
                if execution.isOpen { sagaLinks[id] = SagaLink(sagaId: ref.sagaId, step: ref.step, role: .forward) }
                if execution.status == .parked || execution.status == .discarded {
                    inputs.append(SagaRowInput(.failed(step: ref.step)))
                    if execution.status == .parked { parkedForward = id }
                }
            }
        case (.failure, _), (.started, _):
            break
        case (.success, .accepted(let id)) where linksBefore[id] != nil:
            // The linked execution's change fed the success; a payload still becomes the step's (a repeat
            // success changes nothing else, and its row lets a rebuild see the payload).
            if payload != nil { inputs.append(SagaRowInput(.succeeded(step: ref.step, payload: payload))) }
        case (.success, .accepted), (.success, .stale):
            inputs.append(SagaRowInput(.succeeded(step: ref.step, payload: payload)))
        case (.success, .notHeld):
            // Always journaled for a saga step: the row keeps the record id for dedupe.
            inputs.append(SagaRowInput(.succeeded(step: ref.step, payload: payload), recordId: record.id))
            result = .accepted(Journal.serviceRowExecutionId)
        case (.success, _):
            break
        }
        for seq in recordRows { try sagaRows.link(seq: seq, to: ref.sagaId) }
        try runSaga(&state, inputs, batch: &batch)
        if let parkedForward { try discardForSaga(parkedForward, sagaId: ref.sagaId, batch: &batch) }
        return result
    }

    /// The hanging guard for an intent (a `started` record, issue 13's client half): `.sagaAborted` when the
    /// ref's saga exists and is no longer RUNNING (the client must not run the forward), else nil.
    func sagaRefusesStart(_ ref: SagaRecordRef) throws(JournalError) -> JournalRejection? {
        guard hasSagas, let state = try sagaRows.load(ref.sagaId), state.saga.status != .running else { return nil }
        return .sagaAborted(id: ref.sagaId, status: state.saga.status)
    }

    /// Whether a record for `step` with `spec` declares something the saga does not have yet.
    static func needsDeclaration(_ saga: Saga, _ step: Int, _ spec: SagaStepSpec, isLast: Bool) -> Bool {
        guard saga.steps.indices.contains(step), let declared = saga.steps[step].spec else { return true }
        if declared.eventId.isEmpty, !spec.eventId.isEmpty { return true }
        return isLast && !saga.isClosed
    }

    /// A success whose lease was not current, for a fenced forward of a saga (its retry command carried no ref):
    /// fed to the saga as the forward's success (hanging guard: journaled, then compensated).
    func staleForwardSuccess(_ record: IncomingRecord, executionId: ExecutionID, staleSeq: Int64, batch: inout Batch) throws(JournalError) {
        guard hasSagas, let (sagaId, step) = try sagaRows.forwardStep(of: executionId),
              var state = try sagaRows.load(sagaId) else { return }
        try sagaRows.link(seq: staleSeq, to: sagaId)
        try runSaga(
            &state, [SagaRowInput(.succeeded(step: step, payload: record.payload.isEmpty ? nil : record.payload))],
            batch: &batch)
    }

    // MARK: Linked executions

    /// Row `seq` changed an execution while some execution is linked to a saga: feeds it when it is linked.
    @inline(never)  // off the hot path: called only while a saga has an open execution
    func sagaExecutionRow(
        seq: Int64, execution: Execution, previous: Execution?, actor: String?, batch: inout Batch
    ) throws(JournalError) {
        guard let link = sagaLinks[execution.id] else { return }
        try linkedExecutionChanged(link, seq: seq, execution: execution, previous: previous, actor: actor, batch: &batch)
    }

    /// Row `seq` (no execution change) joins its saga's history when its execution is linked.
    @inline(never)
    func sagaRowOnly(seq: Int64, executionId: ExecutionID) throws(JournalError) {
        guard let link = sagaLinks[executionId] else { return }
        try sagaRows.link(seq: seq, to: link.sagaId)
    }

    /// A linked execution changed (row `seq`): the row joins the saga's history, and a forward's or
    /// compensation's outcome is fed to the saga. Rows the broker wrote for the saga itself (actor `saga`)
    /// feed nothing.
    func linkedExecutionChanged(
        _ link: SagaLink, seq: Int64, execution: Execution, previous: Execution?, actor: String?, batch: inout Batch
    ) throws(JournalError) {
        try sagaRows.link(seq: seq, to: link.sagaId)
        if !execution.isOpen { sagaLinks.removeValue(forKey: execution.id) }
        guard actor != Self.sagaActor else { return }
        let step = link.step
        var events: [SagaRowEvent] = []
        var parked = false
        switch link.role {
        case .forward:
            switch execution.status {
            case .succeeded where previous?.status != .succeeded: events = [.succeeded(step: step, payload: nil)]
            case .parked where previous?.status != .parked:
                events = [.failed(step: step)]
                parked = true
            case .discarded where previous?.status != .discarded: events = [.failed(step: step)]
            default: break
            }
        case .compensation:
            switch (previous?.status, execution.status) {
            case (.succeeded?, _), (.discarded?, _): break
            case (_, .succeeded): events = [.compensationSucceeded(step: step)]
            case (.parked?, .parked): break
            case (_, .parked): events = [.compensationParked(step: step)]
            case (.parked?, .failed), (.parked?, .prepared): events = [.compensationRetried(step: step)]
            case (.parked?, .discarded): events = [.compensationDiscarded(step: step)]
            case (_, .discarded): events = [.compensationParked(step: step), .compensationDiscarded(step: step)]
            default: break
            }
        }
        guard !events.isEmpty, var state = try sagaRows.load(link.sagaId) else { return }
        try runSaga(&state, events.map { SagaRowInput($0) }, batch: &batch)
        if parked { try discardForSaga(execution.id, sagaId: link.sagaId, batch: &batch) }
    }

    /// Discards the open execution `id` for saga `sagaId` (actor `saga`): a fenced or parked forward is never
    /// dispatched again, and its lease token is stale from now on.
    func discardForSaga(_ id: ExecutionID, sagaId: String, batch: inout Batch) throws(JournalError) {
        guard let current = try queries.execution(id), current.isOpen else { return }
        var next = current
        var random = random(for: nextSeq)
        do {
            try next.apply(.discard, now: batch.now, random: &random)
        } catch {
            return  // an open execution can always be discarded
        }
        let seq = try journal(.discard, recordId: nil, execution: next, previous: current, actor: Self.sagaActor, batch: &batch)
        try sagaRows.link(seq: seq, to: sagaId)
        sagaLinks.removeValue(forKey: id)
    }

    // MARK: The saga's inputs and effects

    /// Journals each input as a `saga-step` row, applies it to the saga and carries out its effects (status rows,
    /// fencing, compensation executions), then writes the saga. An input the saga refuses writes nothing.
    func runSaga(_ state: inout SagaState, _ inputs: [SagaRowInput], batch: inout Batch) throws(JournalError) {
        guard !inputs.isEmpty else { return }
        var queue = inputs[...]
        while let next = queue.popFirst() {
            let event = next.event
            var effects: [SagaEffect] = []
            if let input = event.input {
                var saga = state.saga
                do {
                    effects = try saga.apply(input)
                } catch {
                    continue  // refused: nothing happened
                }
                state.saga = saga
            }
            switch event {
            case .started(let step, let id?): state.forwardIds[step] = id
            case .succeeded(let step, let payload?): state.payloads[step] = payload
            default: break
            }
            try sagaRow(.step(sagaId: state.saga.id, event), recordId: next.recordId, actor: next.actor, batch: &batch)
            for effect in effects {
                switch effect {
                case .status(let status):
                    let cause = status == .running || status == .completed ? nil : state.saga.abortCause
                    try sagaRow(.status(sagaId: state.saga.id, status, cause), recordId: nil, actor: nil, batch: &batch)
                    batch.sagaChanges.append(SagaChange(
                        sagaId: state.saga.id, status: status, at: batch.now, step: cause?.step, cause: cause))
                case .fenceForward(let step):
                    if let id = state.forwardIds[step] { try discardForSaga(id, sagaId: state.saga.id, batch: &batch) }
                case .compensate(let step, let unknown):
                    if let done = try compensate(&state, step: step, forwardUnknown: unknown, batch: &batch) {
                        queue.append(SagaRowInput(done))
                    }
                }
            }
        }
        state.updatedAt = batch.now
        try sagaRows.write(state)
        hasSagas = true
        batch.sagasTouched = true
    }

    /// Journals a saga row (execution id 0) and adds it to the saga's history.
    private func sagaRow(_ body: SagaBody, recordId: RecordID?, actor: String?, batch: inout Batch) throws(JournalError) {
        let seq = nextSeq
        try journalOnly(.saga(body), recordId: recordId, executionId: Self.serviceRowExecutionId, actor: actor, batch: &batch)
        try sagaRows.link(seq: seq, to: body.sagaId)
    }

    /// Creates step `step`'s compensation execution (FAILED, due now): key (service, processor, compensating
    /// function, event id), the step's retry spec and payload. Returns the input to feed at once when there is
    /// nothing to run: no compensating function (nothing to undo).
    private func compensate(
        _ state: inout SagaState, step: Int, forwardUnknown: Bool, batch: inout Batch
    ) throws(JournalError) -> SagaRowEvent? {
        guard let spec = state.saga.steps[step].spec, !spec.compensation.isEmpty else {
            return .compensationSucceeded(step: step)
        }
        let sagaId = state.saga.id
        let key = ExecutionKey(service: spec.service, processor: spec.processor, function: spec.compensation, eventId: spec.eventId)
        let link = SagaLink(sagaId: sagaId, step: step, role: .compensation(forwardUnknown: forwardUnknown))
        if let open = try openExecution(key: key) {  // the service reported this compensation itself: that one it is
            state.compensationIds[step] = open.id
            sagaLinks[open.id] = link
            return nil
        }
        var payload = state.payloads[step] ?? []
        if payload.isEmpty, let forward = state.forwardIds[step] { payload = try queries.execution(forward)?.payload ?? [] }
        let cause = state.saga.abortCause?.text ?? "aborted"
        let report = FailureReport(
            error: ErrorInfo(code: "SAGA_COMPENSATE", message: "saga \(sagaId) aborted: \(cause)"), occurredAt: batch.now)
        let creation = EntryBody.Creation(key: key, correlationId: sagaId, spec: spec.retry ?? .standard, payload: payload)
        let seq = nextSeq
        let execution = Execution.compensation(
            id: seq, key: key, correlationId: sagaId, report: report, spec: creation.spec, payload: payload, now: batch.now)
        try journal(
            .saga(.compensate(sagaId: sagaId, step: step, forwardUnknown: forwardUnknown, report, creation)),
            recordId: nil, execution: execution, previous: nil, batch: &batch)
        try sagaRows.link(seq: seq, to: sagaId)
        state.compensationIds[step] = seq
        sagaLinks[seq] = link
        return nil
    }

    // MARK: Commands

    /// Feeds `deadlineReached` to up to `limit` RUNNING sagas past their deadline; returns how many.
    func sagaDeadlines(limit: Int, batch: inout Batch) throws(JournalError) -> Int {
        guard hasSagas else { return 0 }
        let ids = try sagaRows.pastDeadline(now: batch.now, limit: limit)
        for id in ids {
            guard var state = try sagaRows.load(id) else { continue }
            try runSaga(&state, [SagaRowInput(.deadline)], batch: &batch)
        }
        return ids.count
    }

    /// An operator aborts saga `id`.
    func abortSaga(_ id: String, actor: String, batch: inout Batch) throws(JournalError) -> Result<Void, JournalRejection> {
        guard var state = try sagaRows.load(id) else { return .failure(.unknownSaga) }
        guard state.saga.status == .running else { return .failure(.sagaNotRunning(state.saga.status)) }
        try runSaga(&state, [SagaRowInput(.abort, actor: actor)], batch: &batch)
        return .success(())
    }

    /// Declares saga `id` whole; true when it created it, false when it was declared with the same steps.
    func declareSaga(
        _ id: String, steps: [SagaStepSpec], deadline: Timestamp?, batch: inout Batch
    ) throws(JournalError) -> Result<Bool, JournalRejection> {
        guard !id.isEmpty else { return .failure(.sagaInvalid("sagaId: empty")) }
        guard (1...Saga.maxSteps).contains(steps.count) else {
            return .failure(.sagaInvalid("steps: \(steps.count) steps, 1 to \(Saga.maxSteps) allowed"))
        }
        if let existing = try sagaRows.load(id) {
            let declared = existing.saga.steps.map { $0.spec.map(Self.withoutEvent) }
            guard existing.saga.isClosed, declared == steps.map({ Optional(Self.withoutEvent($0)) }) else {
                return .failure(.sagaConflict)
            }
            return .success(false)
        }
        var state = SagaState(
            saga: Saga(id: id, steps: steps, isClosed: true, deadline: deadline), createdAt: batch.now, updatedAt: batch.now)
        try runSaga(&state, [SagaRowInput(.create(deadline: deadline, steps: steps, closed: true))], batch: &batch)
        return .success(true)
    }

    private static func withoutEvent(_ spec: SagaStepSpec) -> SagaStepSpec {
        var copy = spec
        copy.eventId = ""
        return copy
    }

    // MARK: Rebuild

    /// Replays one saga row into `sagas` and `saga_steps` (rebuild); effects are rows of their own.
    func replaySaga(_ body: SagaBody, seq: Int64, at: Timestamp) throws(JournalError) {
        let rows = sagaRows
        try rows.link(seq: seq, to: body.sagaId)
        switch body {
        case .step(let id, .create(let deadline, let steps, let closed)):
            try rows.write(SagaState(
                saga: Saga(id: id, steps: steps, isClosed: closed, deadline: deadline), createdAt: at, updatedAt: at))
        case .step(let id, let event):
            guard var state = try rows.load(id), let input = event.input else {
                throw .corrupt("journal row \(seq) (saga-step) names saga \(id), which no earlier row declared")
            }
            do {
                _ = try state.saga.apply(input)
            } catch {
                throw .corrupt("journal row \(seq) (saga-step) does not replay on saga \(id): \(error)")
            }
            switch event {
            case .started(let step, let executionId?): state.forwardIds[step] = executionId
            case .succeeded(let step, let payload?): state.payloads[step] = payload
            default: break
            }
            state.updatedAt = at
            try rows.write(state)
        case .status(let id, _, _):
            guard var state = try rows.load(id) else { return }
            state.updatedAt = at
            try rows.write(state)
        case .compensate(let id, let step, _, _, _):
            guard var state = try rows.load(id) else {
                throw .corrupt("journal row \(seq) (compensate) names saga \(id), which no earlier row declared")
            }
            state.compensationIds[step] = seq
            state.updatedAt = at
            try rows.write(state)
        }
    }
}
