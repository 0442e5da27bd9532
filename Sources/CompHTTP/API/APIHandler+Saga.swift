import CompBroker
import CompWire
import Foundation
import OpenAPIRuntime

/// The `/api/v1/sagas` operations: list, show and abort, through the gateway like compctl's `saga` commands.
extension APIHandler {
    func listSagas(_ input: Operations.ListSagas.Input) async throws -> Operations.ListSagas.Output {
        let query = input.query
        let limit = query.limit ?? 50
        guard (1...Int64(WireLimits.maxListItems)).contains(limit) else {
            throw APIProblem.invalidQuery("limit", "must be in 1...\(WireLimits.maxListItems)")
        }
        let cursor = query.cursor ?? ""
        guard query.cursor != "", cursor.utf8.count <= WireLimits.maxMessageBytes else {
            throw APIProblem.invalidQuery("cursor", "not a cursor this broker gave")
        }
        let request = SagaListRequest(status: query.status.map(APISagaMapping.wire), cursor: cursor, limit: UInt16(limit))
        switch await gateway.request(.sagaListRequest(request)) {
        case .sagaListReply(let reply):
            var sagas: [Schemas.Saga] = []
            for view in reply.sagas { sagas.append(try APISagaMapping.saga(view)) }
            return .ok(.init(body: .json(Schemas.SagaPage(sagas: sagas, nextCursor: reply.nextCursor.isEmpty ? nil : reply.nextCursor))))
        case .error(let error) where error.code == ErrorCode.invalidField.rawValue:
            throw APIProblem.invalidQuery("cursor", "not a cursor this broker gave")
        case let other: throw Self.unexpected(other)
        }
    }

    func getSaga(_ input: Operations.GetSaga.Input) async throws -> Operations.GetSaga.Output {
        let id = try Self.sagaId(input.path.sagaId)
        switch await gateway.request(.sagaShowRequest(SagaShowRequest(sagaId: id))) {
        case .sagaShowReply(let reply): return .ok(.init(body: .json(try APISagaMapping.detail(reply))))
        case let other: throw Self.sagaProblem(other, id)
        }
    }

    func abortSaga(_ input: Operations.AbortSaga.Input) async throws -> Operations.AbortSaga.Output {
        try Self.requireOperator()
        let id = try Self.sagaId(input.path.sagaId)
        switch await gateway.request(.sagaAbortRequest(SagaAbortRequest(sagaId: id, actor: APICaller.actor))) {
        case .sagaAbortReply(let reply):
            return .ok(.init(body: .json(Schemas.SagaAbortResult(id: id, status: try APISagaMapping.status(reply.status)))))
        case let other: throw Self.sagaProblem(other, id)
        }
    }

    /// The path's saga id, checked as compctl checks it (not empty, at most a name's length).
    private static func sagaId(_ text: String) throws(APIProblem) -> String {
        guard let id = try APIRequests.name(text, "sagaId", APIProblem.invalidQuery) else {
            throw APIProblem.invalidQuery("sagaId", "must not be empty")
        }
        return id
    }

    /// The problem for a saga reply that is not the one asked for: `invalid_field` for an id that is not empty
    /// means no saga has it (404 `unknown_saga`); anything else as for every request.
    private static func sagaProblem(_ message: Message, _ id: String) -> APIProblem {
        if case .error(let reply) = message, reply.code == ErrorCode.invalidField.rawValue {
            return APIProblem(.notFound, "unknown_saga", "no saga has id \(id)", field: "sagaId")
        }
        return unexpected(message)
    }
}

/// Conversions of the saga replies to the API's JSON types.
enum APISagaMapping {
    typealias Schemas = Components.Schemas

    static let statuses: [UInt8: Schemas.SagaStatus] = [
        1: .running, 2: .completed, 3: .aborting, 4: .compensated, 5: .stuck,
    ]
    static let causes: [UInt8: Schemas.Saga.AbortCausePayload] = [1: .stepFailed, 2: .deadline, 3: ._operator]
    static let forwardStates: [UInt8: Schemas.SagaStep.ForwardStatePayload] = [
        0: .pending, 1: .running, 2: .succeeded, 3: .failed,
    ]
    static let compensationStates: [UInt8: Schemas.SagaStep.CompensationStatePayload] = [
        0: .none, 1: .notNeeded, 2: .waiting, 3: .running, 4: .succeeded, 5: .parked, 6: .discarded,
    ]

    /// The wire status of an API saga status.
    static func wire(_ status: Schemas.SagaStatus) -> UInt8 {
        statuses.first { $0.value == status }?.key ?? 1
    }

    static func status(_ raw: UInt8) throws(APIProblem) -> Schemas.SagaStatus {
        guard let status = statuses[raw] else { throw fault("saga status \(raw)") }
        return status
    }

    static func saga(_ view: SagaView) throws(APIProblem) -> Schemas.Saga {
        var cause: Schemas.Saga.AbortCausePayload?
        if let raw = view.abortCause {
            guard let known = causes[raw] else { throw fault("abort cause \(raw)") }
            cause = known
        }
        return Schemas.Saga(
            id: view.id, status: try status(view.status), stepCount: Int64(view.stepCount),
            deadline: view.deadline.map(APIMapping.date), abortCause: cause, abortStep: view.abortStep.map { Int64($0) },
            createdAt: APIMapping.date(view.createdAt), updatedAt: APIMapping.date(view.updatedAt))
    }

    static func detail(_ reply: SagaShowReply) throws(APIProblem) -> Schemas.SagaDetail {
        var steps: [Schemas.SagaStep] = []
        for step in reply.steps {
            guard let forward = forwardStates[step.forwardState], let compensation = compensationStates[step.compensationState] else {
                throw fault("step states \(step.forwardState)/\(step.compensationState)")
            }
            steps.append(Schemas.SagaStep(
                index: Int64(step.index), service: step.service, processor: step.processor, eventId: step.eventId,
                forward: step.forward, compensation: step.compensation, forwardState: forward, compensationState: compensation,
                forwardUnknown: step.forwardUnknown, forwardExecutionId: step.forwardExecutionId,
                compensationExecutionId: step.compensationExecutionId))
        }
        return Schemas.SagaDetail(
            saga: try saga(reply.saga), steps: steps,
            history: reply.history.map {
                Schemas.SagaEntry(
                    executionId: $0.executionId == 0 ? nil : $0.executionId, seq: $0.entry.seq, at: APIMapping.date($0.entry.at),
                    kind: $0.entry.kind, recordId: $0.entry.recordId.map(APIMapping.recordId), summary: $0.entry.summary,
                    actor: $0.entry.actor)
            },
            omittedEntries: Int64(reply.omittedEntries ?? 0))
    }

    private static func fault(_ what: String) -> APIProblem {
        APIProblem(.internalServerError, ErrorCode.internalError.name, "the broker sent \(what)")
    }
}
