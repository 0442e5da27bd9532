import CompJournal
import CompWire

/// `SagaAbortRequest`: an operator's abort goes to the core; the saga's status after it is read back on the
/// admin thread.
extension BrokerGateway {
    func abortSaga(_ request: SagaAbortRequest, _ reply: @escaping @Sendable (Message) -> Void) {
        @Sendable func refuse(_ code: ErrorCode, _ text: String) {
            reply(.error(ErrorReply(code: code.rawValue, message: text)))
        }
        let id = request.sagaId
        guard !id.isEmpty else { return refuse(.invalidField, "SagaAbortRequest.sagaId: must not be empty") }
        let work = CoreWork.abortSaga(id, actor: request.actor) { [admin] result in
            switch result {
            case .success:
                admin.submit(.query(.sagaShowRequest(SagaShowRequest(sagaId: id))) { shown in
                    guard case .sagaShowReply(let saga) = shown else { return reply(shown) }
                    reply(.sagaAbortReply(SagaAbortReply(status: saga.saga.status)))
                })
            case .failure(.rejected(.unknownSaga)):
                refuse(.invalidField, "SagaAbortRequest.sagaId: no saga has this id")
            case .failure(.rejected(.sagaNotRunning(let status))):
                refuse(.notAllowed, "SagaAbortRequest.sagaId: saga \(id) is \(status)")
            case .failure(let error):
                reply(Mapping.reply(error))
            }
        }
        if let refusal = core.submit(work) { reply(Mapping.reply(refusal)) }
    }
}
