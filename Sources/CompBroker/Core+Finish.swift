import CompJournal
import CompModel
import CompTransport
import CompWire
import Foundation
import Logging

/// What happens after a group commit: replies, dispatch state, events, and the scheduler's wake-up.
extension Core {
    // MARK: - After the commit

    func finish(_ pending: [Pending], commands: [JournalCommand], result: CommitResult) {
        for change in result.changes { track(change) }
        for item in pending {
            switch item {
            case .ack(let requester, let slots, let indices):
                var outcomes: [RecordOutcome] = []
                outcomes.reserveCapacity(slots.count)
                for (slot, index) in zip(slots, indices) {
                    if case .rejected(let code) = slot {
                        outcomes.append(RecordOutcome(status: .rejected, code: code.rawValue))
                    } else if let index, case .record(let recordResult) = result.results[index] {
                        outcomes.append(Mapping.outcome(recordResult))
                        count(recordResult)
                    } else {
                        outcomes.append(RecordOutcome(status: .rejected, code: ErrorCode.internalError.rawValue))
                    }
                }
                counters.update { $0.recordsRejected += UInt64(outcomes.count { $0.status == .rejected && $0.code < 20 }) }
                replies.send(requester, .ack(Ack(outcomes: outcomes)))
            case .extend(let requester, let index):
                guard case .extended(let extended) = result.results[index] else { continue }
                switch extended {
                case .success(let until):
                    replies.send(requester, .leaseReply(LeaseReply(status: .accepted, leaseDeadline: until.milliseconds)))
                case .failure(.unknownExecution):
                    replies.send(requester, .error(ErrorReply(code: ErrorCode.unknownExecution.rawValue, message: "no execution has that id")))
                case .failure:
                    replies.send(requester, .leaseReply(LeaseReply(status: .stale, leaseDeadline: 0)))
                }
            case .operate(let requester, let matched, let range, let early):
                var changed: UInt32 = 0
                var failures = early
                for index in range {
                    if case .paused = result.results[index] { changed += 1 }
                    guard case .operated(let operated) = result.results[index],
                        case .operate(let id, _) = commands[index]
                    else { continue }
                    switch operated {
                    case .success: changed += 1
                    case .failure(let rejection):
                        failures.append(ActionFailure(executionId: id, code: Mapping.code(rejection).rawValue, message: Mapping.describe(rejection)))
                    }
                }
                if matched == 1, changed == 0, let failure = failures.first, failures.count == 1 {
                    replies.send(requester, .error(ErrorReply(code: failure.code, message: failure.message)))
                } else {
                    replies.send(requester, .actionReply(ActionReply(
                        matched: UInt32(clamping: matched), changed: changed,
                        failures: Array(failures.prefix(WireLimits.maxSmallList)))))
                }
            case .reply(let requester, let message):
                replies.send(requester, message)
            case .expire(let index):
                guard case .expired(let executions) = result.results[index] else { continue }
                counters.update { $0.leasesExpired += UInt64(executions.count) }
                if executions.count < 1000 { expiryHint = (try? journal.earliestLeaseExpiry()) ?? nil }
            case .dispatch(let service, let index, let fetch):
                guard case .leased(let executions) = result.results[index] else { continue }
                if executions.isEmpty {
                    refreshDueHint(service)
                    continue
                }
                waiting[service]?.removeAll { $0.requester.requestId == fetch.requester.requestId && $0.fetch == fetch.fetch }
                counters.update { $0.commandsDispatched += UInt64(executions.count) }
                replies.send(fetch.requester, .commands(Commands(commands: executions.map(Mapping.command))))
            }
        }
        if events.isEnabled {
            for change in result.changes { events.publish(Mapping.event(change)) }
        }
    }

    func fail(_ pending: [Pending]) {
        paused = journal.pausedServices()
        for item in pending {
            switch item {
            case .ack(let requester, _, _), .extend(let requester, _), .operate(let requester, _, _, _):
                replies.send(requester, .error(ErrorReply(
                    code: ErrorCode.storageFailure.rawValue, message: "the journal could not commit; resend later")))
            case .reply(let requester, let message):
                replies.send(requester, message)
            case .expire, .dispatch:
                break  // retried on the next loop; the fetch stays held
            }
        }
    }

    func count(_ result: RecordResult) {
        counters.update { values in
            switch result {
            case .accepted: values.recordsAccepted += 1
            case .notHeld: values.successesNotHeld += 1
            case .duplicate: values.recordsDuplicate += 1
            case .stale: values.recordsStale += 1
            case .rejected: values.recordsRejected += 1
            }
        }
    }

    /// Keeps the dispatch state in step with one state change.
    func track(_ change: StateChange) {
        let execution = change.execution
        let service = execution.key.service
        if execution.status == .prepared {
            leased[service, default: []].insert(execution.id)
            if let until = execution.lease?.until { expiryHint = min(expiryHint ?? until, until) }
        } else {
            leased[service]?.remove(execution.id)
        }
        if execution.status == .failed, let due = execution.nextRetryAt {
            if noDueWork.remove(service) != nil {
                dueHint[service] = due  // known to have had none: this is the earliest
            } else if let hint = dueHint[service] {
                dueHint[service] = min(hint, due)
            }
        }
    }

    func refreshDueHint(_ service: String) {
        if let due = try? journal.earliestDue(service: service) {
            dueHint[service] = due
            noDueWork.remove(service)
        } else {
            dueHint[service] = nil
            noDueWork.insert(service)
        }
    }

    func answerExpiredFetches(now: Timestamp) {
        for (service, fetches) in waiting {
            let (expired, kept) = fetches.partitioned { $0.deadline <= now.milliseconds }
            guard !expired.isEmpty else { continue }
            waiting[service] = kept
            for fetch in expired { replies.send(fetch.requester, .commands(Commands(commands: []))) }
        }
    }

    func drainFetches() {
        for (_, fetches) in waiting {
            for fetch in fetches { replies.send(fetch.requester, .commands(Commands(commands: []))) }
        }
        waiting = [:]
        publishServiceSnapshot()
    }

    func pruneIfDue(now: Timestamp) {
        guard now >= nextPrune else { return }
        nextPrune = now.adding(.seconds(10))
        do {
            let pruned = try journal.prune(now: now, batchSize: 500)
            if pruned > 0 { logger.info("pruned finished executions", metadata: ["count": "\(pruned)"]) }
        } catch {
            logger.warning("pruning failed", metadata: ["error": "\(error)"])
        }
    }

    /// When the loop must wake with no new work: the earliest lease deadline, due time of a
    /// service with a held fetch and room, held fetch deadline, or prune time.
    func nextWake() -> Timestamp {
        var wake = nextPrune
        if let expiry = expiryHint { wake = min(wake, expiry) }
        for (service, fetches) in waiting where !fetches.isEmpty {
            for fetch in fetches { wake = min(wake, Timestamp(milliseconds: fetch.deadline)) }
            guard !paused.contains(service), !noDueWork.contains(service),
                (leased[service]?.count ?? 0) < config.inFlightPerService
            else { continue }
            wake = min(wake, dueHint[service] ?? .zero)
        }
        return wake
    }

    func publishServiceSnapshot() {
        var snapshot: [String: BrokerCounters.Service] = [:]
        for service in Set(waiting.keys).union(leased.keys).union(paused) {
            snapshot[service] = BrokerCounters.Service(
                paused: paused.contains(service), inFlight: leased[service]?.count ?? 0,
                waitingFetches: waiting[service]?.count ?? 0)
        }
        counters.publish(services: snapshot)
    }
}
