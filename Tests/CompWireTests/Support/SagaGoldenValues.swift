import CompWire

/// The golden vectors of the saga messages (issue 13): PROTOCOL.md sections 6.15–6.17.
extension GoldenValues {
    static let sagaFailure = Record(
        id: recordId + 16, kind: .failure, service: "point", processor: "order-events", function: "usePoints",
        eventId: "evt-000130", occurredAt: time + 2_000, correlationId: "order-98765",
        error: ErrorDetails(code: "NO_POINTS", message: "balance too low"), recoverable: 2,
        payload: [0x7b, 0x7d],
        saga: SagaRef(
            sagaId: "", step: 2, compensation: "restorePoints", last: true, deadline: time + 1_000,
            retrySpec: RetrySpecPatch(maxRetries: 20, minBackoffMs: 1_000)))

    static let compensationCommand = RetryCommand(
        executionId: 57, attempt: 1, leaseToken: 58, leaseDeadline: time + 122_500, service: "exchange",
        processor: "order-events", function: "refund", eventId: "evt-000129", correlationId: "order-98765",
        lastError: ErrorDetails(code: "SAGA_COMPENSATE", message: "saga order-98765 aborted: deadline passed"),
        payload: [0x7b, 0x7d], saga: SagaCommandRef(sagaId: "order-98765", step: 1, forwardUnknown: 1))

    static let sagaEntries: [Entry] = [
        Entry(name: "record_batch_saga", description: "RecordBatch: the last step (2) of saga order-98765 failing unrecoverably (tag 7 saga: id from the correlation id, deadline, the compensation's retry spec)",
              frame: Frame(requestId: 70, message: .recordBatch(RecordBatch(records: [sagaFailure])))),
        Entry(name: "commands_compensation", description: "Commands: the compensation of step 1 of saga order-98765, whose forward was in flight at the abort (tag 1 saga, forwardUnknown 1)",
              frame: Frame(requestId: 71, message: .commands(Commands(commands: [compensationCommand])))),
        Entry(name: "declare_saga", description: "DeclareSaga: order-98766 in two steps with a deadline (tag 1); step 1's compensation with its own retry spec",
              frame: Frame(requestId: 72, message: .declareSaga(DeclareSaga(
                sagaId: "order-98766",
                steps: [
                    SagaStepDecl(service: "exchange", processor: "order-events", forward: "exchange", compensation: "refund"),
                    SagaStepDecl(
                        service: "point", processor: "order-events", forward: "usePoints", compensation: "restorePoints",
                        retrySpec: RetrySpecPatch(maxRetries: 20)),
                ],
                deadline: time + 1_000)))),
        Entry(name: "saga_declared", description: "SagaDeclared: created (1)",
              frame: Frame(requestId: 72, message: .sagaDeclared(SagaDeclared(created: 1)))),
        Entry(name: "saga_event", description: "SagaEvent (request id 0): saga order-98765 ABORTING (3) because step 2 failed (tags 1 step, 2 cause 1)",
              frame: Frame(requestId: 0, message: .sagaEvent(SagaEvent(sagaId: "order-98765", status: 3, at: time + 2_100, step: 2, cause: 1)))),
    ]
}
