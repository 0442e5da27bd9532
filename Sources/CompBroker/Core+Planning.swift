import CompJournal
import CompModel
import CompTransport
import CompWire
import Foundation
import Logging

/// What one group commit will do: operator actions and the dispatch plan.
extension Core {
    // MARK: - Planning

    /// What to do with each command's result once the commit is done.
    enum Pending {
        case ack(Requester, [RecordSlot], [Int?])
        case extend(Requester, Int)
        case operate(Requester, matched: Int, range: Range<Int>, early: [ActionFailure])
        case reply(Requester, Message)
        case expire(Int)
        case dispatch(String, Int, WaitingFetch)
    }

    func action(_ requester: Requester, _ request: ActionRequest, into commands: inout [JournalCommand]) -> Pending {
        switch (request.action, request.target) {
        case (.pause, .service(let service)), (.resume, .service(let service)):
            let pause = request.action == .pause
            let start = commands.count
            commands.append(.setPaused(service: service, paused: pause))
            if pause { paused.insert(service) } else { paused.remove(service) }
            return .operate(requester, matched: 1, range: start..<commands.count, early: [])
        case (.pause, _), (.resume, _), (_, .service):
            return .reply(requester, .error(ErrorReply(
                code: ErrorCode.invalidField.rawValue,
                message: "pause and resume take a service; other actions take an execution or a filter")))
        case (let action, .execution(let id)):
            return operate(requester, action, ids: [id], into: &commands)
        case (let action, .filter(let wireFilter)):
            switch Mapping.filter(wireFilter) {
            case .failure(let code):
                return .reply(requester, .error(ErrorReply(code: code.rawValue, message: "invalid filter")))
            case .success(let filter):
                do {
                    let ids = try journal.matchingIds(filter: filter, limit: 100_000)
                    return operate(requester, action, ids: ids, into: &commands)
                } catch {
                    return .reply(requester, .error(ErrorReply(
                        code: ErrorCode.storageFailure.rawValue, message: "\(error)")))
                }
            }
        }
    }

    func operate(_ requester: Requester, _ action: AdminAction, ids: [ExecutionID], into commands: inout [JournalCommand]) -> Pending {
        let start = commands.count
        var early: [ActionFailure] = []
        for id in ids {
            var base = config.defaultSpec
            if case .applySpec = action {
                guard let execution = try? journal.execution(id) else {
                    early.append(ActionFailure(executionId: id, code: ErrorCode.unknownExecution.rawValue, message: "no execution has that id"))
                    continue
                }
                base = execution.spec
            }
            switch Mapping.input(action, base: base) {
            case .success(let input)?:
                commands.append(.operate(id, input))
            case .failure(let code)?:
                early.append(ActionFailure(executionId: id, code: code.rawValue, message: "\(code)"))
            case nil:
                break
            }
        }
        return .operate(requester, matched: ids.count, range: start..<commands.count, early: early)
    }

    /// Leases for held fetches: for each service that is not paused, has room under its cap and
    /// may have due work, one `leaseDue` per waiting fetch until the room is used.
    func dispatchPlan(now: Timestamp, into commands: inout [JournalCommand]) -> [(String, Int, WaitingFetch)] {
        var plan: [(String, Int, WaitingFetch)] = []
        for (service, fetches) in waiting where !fetches.isEmpty && !paused.contains(service) {
            if noDueWork.contains(service) { continue }
            if let hint = dueHint[service], hint > now { continue }
            var room = config.inFlightPerService - (leased[service]?.count ?? 0)
            for fetch in fetches where room > 0 {
                let limit = min(Int(fetch.fetch.max), room)
                plan.append((service, commands.count, fetch))
                commands.append(.leaseDue(service: service, holder: fetch.fetch.instance, limit: limit))
                room -= limit
            }
        }
        return plan
    }
}
