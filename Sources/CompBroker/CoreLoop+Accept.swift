import CompJournal
import CompModel

/// Turning submitted work into units of the next group commit, and unit outcomes into typed results.
extension CoreLoop {
    /// Takes one piece of work: a fetch goes to the machine; records, extends and actions become one
    /// unit each (so one bad request fails only itself), or are refused at once while the journal is
    /// failing.
    func accept(_ work: CoreWork, at: Moment, units: inout [[JournalCommand]],
                finishers: inout [(UnitOutcome) -> Void]) {
        if case .fetch(let arrival, let done) = work {
            let (ticket, effects) = machine.fetchArrived(arrival, at: at)
            fetches[ticket] = done
            apply(effects)
            return
        }
        if case .setPaused(let service, let value, _, let done) = work, machine.isPaused(service) == value {
            done(.success(ActionOutcome(matched: 1, changed: 0, failures: [])))  // already so: no change
            return
        }
        if machine.refusesRequests(at: at) {
            work.fail(.storageFailure("the journal cannot commit; resend later"))
            return
        }
        switch work {
        case .fetch:
            break
        case .recordCommands(let commands, let done):
            units.append(commands)
            finishers.append { [count = commands.count] outcome in
                done(Self.results(outcome, count: count) { result -> RecordResult? in
                    if case .record(let record) = result { return record }
                    return nil
                })
            }
        case .extend(let id, let token, let span, let services, let done):
            if let services {
                // The scope check needs the execution's service: read it here, where the lease is looked up.
                do {
                    if let execution = try store.execution(id), !services.contains(execution.key.service) {
                        done(.failure(.forbidden("lease.executionId: execution \(id) is of service \(execution.key.service), outside this key's services")))
                        return
                    }
                } catch {
                    done(.failure(.storageFailure("\(error)")))
                    return
                }
            }
            units.append([.extendLease(id, token: token, by: span)])
            finishers.append { outcome in
                switch Self.results(outcome, count: 1, { result -> Result<Timestamp, JournalRejection>? in
                    if case .extended(let extended) = result { return extended }
                    return nil
                }) {
                case .success(let results):
                    switch results[0] {
                    case .success(let until): done(.success(until))
                    case .failure(let rejection): done(.failure(.rejected(rejection)))
                    }
                case .failure(let error): done(.failure(error))
                }
            }
        case .operate(let ids, let action, let actor, let done):
            var commands: [JournalCommand] = []
            var operated: [ExecutionID] = []
            var refusals: [ActionRefusal] = []
            do {
                for id in ids {
                    switch try input(action, for: id) {
                    case .success(let input):
                        commands.append(.operate(id, input, actor: actor))
                        operated.append(id)
                    case .failure(let refusal):
                        refusals.append(refusal)
                    }
                }
            } catch {
                done(.failure(.storageFailure("\(error)")))
                return
            }
            guard !commands.isEmpty else {
                done(.success(ActionOutcome(matched: ids.count, changed: 0, failures: refusals)))
                return
            }
            units.append(commands)
            finishers.append { outcome in
                switch Self.results(outcome, count: commands.count, { result -> Result<Execution, JournalRejection>? in
                    if case .operated(let operated) = result { return operated }
                    return nil
                }) {
                case .success(let results):
                    var failures = refusals
                    var changed = 0
                    for (id, result) in zip(operated, results) {
                        switch result {
                        case .success: changed += 1
                        case .failure(let rejection): failures.append(ActionRefusal(executionId: id, rejection: rejection))
                        }
                    }
                    done(.success(ActionOutcome(matched: ids.count, changed: changed, failures: failures)))
                case .failure(let error):
                    done(.failure(error))
                }
            }
        case .abortSaga(let id, let actor, let done):
            units.append([.abortSaga(id: id, actor: actor)])
            finishers.append { outcome in
                switch Self.results(outcome, count: 1, { result -> Result<Void, JournalRejection>? in
                    if case .sagaAborted(let aborted) = result { return aborted }
                    return nil
                }) {
                case .success(let results):
                    done(results[0].mapError { .rejected($0) })
                case .failure(let error):
                    done(.failure(error))
                }
            }
        case .declareSaga(let id, let steps, let deadline, let done):
            units.append([.declareSaga(id: id, steps: steps, deadline: deadline)])
            finishers.append { outcome in
                switch Self.results(outcome, count: 1, { result -> Result<Bool, JournalRejection>? in
                    if case .sagaDeclared(let declared) = result { return declared }
                    return nil
                }) {
                case .success(let results):
                    done(results[0].mapError { .rejected($0) })
                case .failure(let error):
                    done(.failure(error))
                }
            }
        case .setPaused(let service, let value, let actor, let done):
            units.append([.setPaused(service: service, paused: value, actor: actor)])
            finishers.append { [self] outcome in
                switch outcome {
                case .applied:
                    machine.setPaused(service, value)
                    notices.paused(service, value, by: actor)
                    outbox.stage { [events] in events.publishPaused(service, value) }
                    done(.success(ActionOutcome(matched: 1, changed: 1, failures: [])))
                case .failed(let error):
                    done(.failure(.storageFailure("\(error)")))
                }
            }
        }
    }

    /// The model input of `action` for execution `id` (apply-spec merges onto the execution's own spec).
    /// - Throws: `JournalError` when the execution cannot be read.
    private func input(_ action: OperatorAction, for id: ExecutionID) throws(JournalError) -> Result<ExecutionInput, ActionRefusal> {
        switch action {
        case .retryNow: return .success(.retryNow)
        case .forceRetry: return .success(.forceRetry)
        case .discard: return .success(.discard)
        case .park: return .success(.park)
        case .mark(let value): return .success(.mark(value))
        case .changeFunction(let function): return .success(.changeFunction(function))
        case .applySpec(let patch):
            guard let execution = try store.execution(id) else {
                return .failure(ActionRefusal(executionId: id, rejection: .unknownExecution))
            }
            let spec = execution.spec.merging(patch)
            do { try spec.validate() } catch {
                return .failure(ActionRefusal(executionId: id, rejection: .model(error)))
            }
            return .success(.applySpec(spec))
        }
    }

    /// The typed results of a unit of `count` commands, or the storage failure that rolled it back.
    static func results<Value>(_ outcome: UnitOutcome, count: Int, _ pick: (CommandResult) -> Value?) -> Result<[Value], CoreError> {
        switch outcome {
        case .failed(let error):
            return .failure(.storageFailure("\(error)"))
        case .applied(let results):
            let values = results.compactMap(pick)
            guard values.count == count else { return .failure(.storageFailure("the journal answered \(values.count) of \(count) commands")) }
            return .success(values)
        }
    }
}
