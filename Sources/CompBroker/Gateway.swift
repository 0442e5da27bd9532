import CompModel
import CompWire

/// The broker's one door for operator requests: list, show, stats, timeline, notifications, actions and sagas, as wire
/// messages in and wire messages out. The nanomsg ingress and the HTTP side both go through it, so an
/// operator request is checked, routed (reads to the admin reader's thread, actions to the core, bulk
/// actions to the admin reader in slices) and answered the same way whichever side it came from.
public struct BrokerGateway: Sendable {
    let core: Core
    let admin: AdminReader
    private let notifiers: (any NotifierStatusSource)?

    init(core: Core, admin: AdminReader, notifiers: (any NotifierStatusSource)? = nil) {
        self.core = core
        self.admin = admin
        self.notifiers = notifiers
    }

    /// Whether the gateway answers `message` (a list, show, stats, timeline, notifications or action request).
    public static func serves(_ message: Message) -> Bool {
        switch message {
        case .listRequest, .showRequest, .statsRequest, .timelineRequest, .notificationsRequest, .actionRequest,
            .sagaListRequest, .sagaShowRequest, .sagaAbortRequest: true
        default: false
        }
    }

    /// Answers an operator request: the reply message (`listReply`, `showReply`, `statsReply`,
    /// `timelineReply`, `notificationsReply`, `actionReply`), or an `error` with the protocol's stable
    /// code (also for a message that is not an operator request).
    public func request(_ message: Message) async -> Message {
        await withCheckedContinuation { continuation in
            submit(message) { continuation.resume(returning: $0) }
        }
    }

    /// Routes `message` and calls `reply` exactly once with the answer, on the thread that produced it
    /// (the admin reader's, the core's, a task's for notifications, or the caller's for a request
    /// refused at once).
    func submit(_ message: Message, reply: @escaping @Sendable (Message) -> Void) {
        switch message {
        case .listRequest, .showRequest, .statsRequest, .timelineRequest, .sagaListRequest, .sagaShowRequest:
            admin.submit(.query(message, reply))
        case .sagaAbortRequest(let request):
            abortSaga(request, reply)
        case .notificationsRequest:
            guard let notifiers else { return reply(.notificationsReply(NotificationsReply(notifiers: []))) }
            Task { reply(.notificationsReply(NotificationsReply(notifiers: await notifiers.notifierStatuses()))) }
        case .actionRequest(let request):
            action(request, reply)
        default:
            reply(.error(ErrorReply(code: ErrorCode.unexpectedMessage.rawValue,
                                    message: "\(message.type) is not an operator request")))
        }
    }

    private func action(_ request: ActionRequest, _ reply: @escaping @Sendable (Message) -> Void) {
        let answer: Completion<ActionOutcome> = { result in
            switch result {
            case .success(let outcome): reply(Mapping.reply(outcome))
            case .failure(let error): reply(Mapping.reply(error))
            }
        }
        func refuse(_ code: ErrorCode, _ text: String) {
            reply(.error(ErrorReply(code: code.rawValue, message: text)))
        }
        switch (request.action, request.target) {
        case (.pause, .service(let service)), (.resume, .service(let service)):
            guard !service.isEmpty else {
                return refuse(.invalidField, "ActionRequest.target.service: must not be empty")
            }
            submit(.setPaused(service, request.action == .pause, actor: request.actor, answer), reply)
        case (.pause, _), (.resume, _), (_, .service):
            refuse(.invalidField, "ActionRequest.target: pause and resume take a service; other actions take an execution or a filter")
        case (let action, .execution(let id)):
            switch Mapping.action(action, force: request.force) {
            case .success(let operation)?: submit(.operate([id], operation, actor: request.actor, answer), reply)
            case .failure(let code)?: refuse(code, Self.invalidAction(request))
            case nil: refuse(.invalidField, "ActionRequest.action: pause and resume take a service")
            }
        case (let action, .filter(let wireFilter)):
            switch (Mapping.action(action, force: request.force), Mapping.filter(wireFilter)) {
            case (.success(let operation)?, .success(let filter)):
                admin.submit(.bulk(BulkAction(filter: filter, action: operation, actor: request.actor, done: answer)))
            case (.failure(let code)?, _):
                refuse(code, Self.invalidAction(request))
            case (_, .failure(let code)):
                refuse(code, "ActionRequest.target.filter: a status or park reason out of range")
            case (nil, _):
                refuse(.invalidField, "ActionRequest.action: pause and resume take a service")
            }
        }
    }

    /// The `field: rule` message for an action Mapping refused.
    private static func invalidAction(_ request: ActionRequest) -> String {
        if request.force, request.action != .retryNow { return "ActionRequest.force: only with retryNow" }
        if case .changeFunction = request.action { return "AdminAction.changeFunction.function: must not be empty" }
        return "AdminAction.mark.recoverable: must be 0...2"
    }

    private func submit(_ work: CoreWork, _ reply: @Sendable (Message) -> Void) {
        if let refusal = core.submit(work) { reply(Mapping.reply(refusal)) }
    }
}
