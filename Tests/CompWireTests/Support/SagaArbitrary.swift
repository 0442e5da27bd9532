import CompWire

/// Random saga values (issue 13) for the round-trip properties.
extension Arbitrary {
    mutating func sagaRef() -> SagaRef {
        SagaRef(
            sagaId: string(), step: int(in: 0...99), compensation: string(), last: maybe { $0.bool() },
            deadline: maybe { $0.i64() }, retrySpec: maybe { $0.patch() })
    }

    mutating func sagaMessage(of type: MessageType) -> Message {
        switch type {
        case .sagaDeclared:
            return .sagaDeclared(SagaDeclared(created: int(in: 0...1)))
        case .sagaEvent:
            return .sagaEvent(SagaEvent(
                sagaId: string(), status: int(in: 1...5), at: i64(), step: maybe { $0.int() }, cause: maybe { $0.int(in: 1...3) }))
        default:
            return .declareSaga(DeclareSaga(
                sagaId: string(),
                steps: array(max: 3) {
                    SagaStepDecl(
                        service: $0.string(), processor: $0.string(), forward: $0.string(), compensation: $0.string(),
                        retrySpec: $0.maybe { $0.patch() })
                },
                deadline: maybe { $0.i64() }))
        }
    }
}
