import CompBroker
import CompWire
import Foundation
import OpenAPIRuntime

/// The `/api/v1/sagas` operations: list, show and abort, through the gateway like compctl's `saga` commands.
extension APIHandler {
    func listSagas(_ input: Operations.ListSagas.Input) async throws -> Operations.ListSagas.Output {
        let request = try APIRequests.sagaListRequest(input.query)
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
        let id = try APIRequests.sagaId(input.path.sagaId)
        switch await gateway.request(.sagaShowRequest(SagaShowRequest(sagaId: id))) {
        case .sagaShowReply(let reply): return .ok(.init(body: .json(try APISagaMapping.detail(reply))))
        case let other: throw Self.sagaProblem(other, id)
        }
    }

    func abortSaga(_ input: Operations.AbortSaga.Input) async throws -> Operations.AbortSaga.Output {
        try Self.requireOperator()
        let id = try APIRequests.sagaId(input.path.sagaId)
        switch await gateway.request(.sagaAbortRequest(SagaAbortRequest(sagaId: id, actor: APICaller.actor))) {
        case .sagaAbortReply(let reply):
            return .ok(.init(body: .json(Schemas.SagaAbortResult(id: id, status: try APISagaMapping.status(reply.status)))))
        case let other: throw Self.sagaProblem(other, id)
        }
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
