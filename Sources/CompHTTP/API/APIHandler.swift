import CompBroker
import CompWire
import Foundation
import OpenAPIRuntime

/// The `/api/v1` operations (generated from the OpenAPI document): each checks its input by compctl's
/// rules, sends the wire request through the broker's gateway (the same path the nanomsg ingress takes),
/// and maps the reply to JSON. Errors are thrown as `APIProblem`s; `ProblemMiddleware` renders them.
struct APIHandler: APIProtocol {
    typealias Schemas = Components.Schemas

    let gateway: BrokerGateway

    /// Bulk dry runs return at most this many ids.
    static let dryRunIds = 100

    // MARK: Reads

    func listExecutions(_ input: Operations.ListExecutions.Input) async throws -> Operations.ListExecutions.Output {
        let request = try APIRequests.listRequest(input.query)
        let reply = try await list(request)
        var executions: [Schemas.Execution] = []
        for view in reply.executions { executions.append(try APIMapping.execution(view)) }
        return .ok(.init(body: .json(Schemas.ExecutionPage(
            executions: executions, nextCursor: APIRequests.cursor(reply, sort: request.sort)))))
    }

    func getExecution(_ input: Operations.GetExecution.Input) async throws -> Operations.GetExecution.Output {
        let request = try APIRequests.showRequest(input)
        switch await gateway.request(.showRequest(request)) {
        case .showReply(let reply): return .ok(.init(body: .json(try APIMapping.detail(reply))))
        case let other: throw Self.unexpected(other)
        }
    }

    func getTimeline(_ input: Operations.GetTimeline.Input) async throws -> Operations.GetTimeline.Output {
        switch await gateway.request(.timelineRequest(try APIRequests.timelineRequest(input))) {
        case .timelineReply(let reply): return .ok(.init(body: .json(try APIMapping.timeline(reply))))
        case let other: throw Self.unexpected(other)
        }
    }

    func getStats(_ input: Operations.GetStats.Input) async throws -> Operations.GetStats.Output {
        .ok(.init(body: .json(try APIMapping.stats(try await stats()))))
    }

    func listServices(_ input: Operations.ListServices.Input) async throws -> Operations.ListServices.Output {
        .ok(.init(body: .json(Schemas.ServiceList(services: try await stats().services.map(APIMapping.service)))))
    }

    func whoami(_ input: Operations.Whoami.Input) async throws -> Operations.Whoami.Output {
        let caller = APICaller.effective
        return .ok(.init(body: .json(Schemas.Whoami(name: caller.name, role: caller.role == .operator ? ._operator : .viewer))))
    }

    // MARK: Actions

    func actOnExecution(_ input: Operations.ActOnExecution.Input) async throws -> Operations.ActOnExecution.Output {
        try Self.requireOperator()
        guard case .json(let body) = input.body else { throw APIProblem(.unsupportedMediaType, "unsupported_media_type", "send application/json") }
        let (action, force) = try APIRequests.action(body)
        let reply = try await act(ActionRequest(action: action, target: .execution(input.path.id), force: force,
                                                actor: APICaller.actor))
        return .ok(.init(body: .json(APIMapping.result(reply))))
    }

    func actInBulk(_ input: Operations.ActInBulk.Input) async throws -> Operations.ActInBulk.Output {
        try Self.requireOperator()
        guard case .json(let body) = input.body else { throw APIProblem(.unsupportedMediaType, "unsupported_media_type", "send application/json") }
        let (action, force, filter, isDryRun) = try APIRequests.bulkAction(body)
        if isDryRun {
            return .ok(.init(body: .json(.DryRunResult(try await dryRun(filter)))))
        }
        let reply = try await act(ActionRequest(action: action, target: .filter(filter), force: force, actor: APICaller.actor))
        return .ok(.init(body: .json(.ActionResult(APIMapping.result(reply)))))
    }

    func pauseService(_ input: Operations.PauseService.Input) async throws -> Operations.PauseService.Output {
        .ok(.init(body: .json(try await setPaused(input.path.service, .pause))))
    }

    func resumeService(_ input: Operations.ResumeService.Input) async throws -> Operations.ResumeService.Output {
        .ok(.init(body: .json(try await setPaused(input.path.service, .resume))))
    }

    // MARK: Through the gateway

    private func setPaused(_ service: String, _ action: AdminAction) async throws(APIProblem) -> Schemas.ActionResult {
        try Self.requireOperator()
        let service = try APIRequests.service(service)
        return APIMapping.result(try await act(ActionRequest(action: action, target: .service(service), actor: APICaller.actor)))
    }

    /// What compctl's `--dry-run` finds: every execution the filter matches, read a page at a time
    /// through the same list requests, counted; nothing is changed.
    private func dryRun(_ filter: Filter) async throws(APIProblem) -> Schemas.DryRunResult {
        var count: Int64 = 0
        var firstIds: [Int64] = []
        var cursor: Int64 = 0
        repeat {
            let page = try await list(ListRequest(filter: filter, cursor: cursor, limit: UInt16(WireLimits.maxListItems)))
            count += Int64(page.executions.count)
            for view in page.executions where firstIds.count < Self.dryRunIds { firstIds.append(view.id) }
            cursor = page.nextCursor
        } while cursor != 0
        return Schemas.DryRunResult(count: count, firstIds: firstIds)
    }

    private func list(_ request: ListRequest) async throws(APIProblem) -> ListReply {
        switch await gateway.request(.listRequest(request)) {
        case .listReply(let reply): return reply
        case let other: throw Self.unexpected(other)
        }
    }

    private func stats() async throws(APIProblem) -> StatsReply {
        switch await gateway.request(.statsRequest(StatsRequest())) {
        case .statsReply(let reply): return reply
        case let other: throw Self.unexpected(other)
        }
    }

    private func act(_ request: ActionRequest) async throws(APIProblem) -> ActionReply {
        switch await gateway.request(.actionRequest(request)) {
        case .actionReply(let reply): return reply
        case let other: throw Self.unexpected(other)
        }
    }

    /// Actions need the operator role.
    static func requireOperator() throws(APIProblem) {
        let caller = APICaller.effective
        guard caller.mayAct else {
            throw APIProblem(.forbidden, "forbidden", "\(caller.name) is a \(caller.role.rawValue): actions need the operator role")
        }
    }

    /// The problem for a reply that is not the one asked for: the broker's error, or a broker fault.
    static func unexpected(_ message: Message) -> APIProblem {
        if case .error(let reply) = message { return APIProblem(reply) }
        return APIProblem(.internalServerError, ErrorCode.internalError.name, "the broker answered with \(message.type)")
    }
}
