import CompWire

/// The saga admin vectors (PROTOCOL.md sections 6.17–6.19).
///
/// Their story (T = `time`): saga `order-98765` was declared at T by the failure of its step 0 (orders /
/// chargeCard, execution 42, whose compensation is refundCard) with a deadline of T + 60 s; its step 1
/// (points / addPoints) failed unrecoverably at T + 20 s (execution 118), so the saga aborted (cause 1, step
/// 1): step 1 needs no compensation (its forward never took effect), step 0's succeeded forward was
/// compensated by execution 120, and the saga ended COMPENSATED at T + 30 s. Saga `order-98766` still runs.
extension GoldenValues {
    static let sagaRunning = SagaView(
        id: "order-98766", status: 1, stepCount: 1, createdAt: time + 40_000, updatedAt: time + 40_000,
        deadline: time + 100_000)

    static let sagaCompensated = SagaView(
        id: "order-98765", status: 4, stepCount: 2, createdAt: time, updatedAt: time + 30_000,
        deadline: time + 60_000, abortCause: 1, abortStep: 1)

    static let sagaSteps = [
        SagaStepView(index: 0, service: "orders", processor: "order-events", eventId: "evt-000123",
                     forward: "chargeCard", compensation: "refundCard", forwardState: 2, compensationState: 4,
                     forwardExecutionId: 42, compensationExecutionId: 120),
        SagaStepView(index: 1, service: "points", processor: "point-events", eventId: "evt-000123",
                     forward: "addPoints", compensation: "removePoints", forwardState: 3, compensationState: 1,
                     forwardExecutionId: 118),
    ]

    static let sagaHistory = [
        TimelineEntry(executionId: 118, entry: HistoryEntry(
            seq: 118, at: time + 20_000, kind: "failure", recordId: recordId + 5,
            summary: "failure POINTS_CLOSED: account closed [unrecoverable]")),
        TimelineEntry(executionId: 0, entry: HistoryEntry(
            seq: 119, at: time + 20_000, kind: "saga-status", summary: "saga order-98765 ABORTING: step 1 failed")),
        TimelineEntry(executionId: 120, entry: HistoryEntry(
            seq: 120, at: time + 20_000, kind: "compensate",
            summary: "compensate step 0: orders/order-events/refundCard")),
    ]

    static let sagaAdminEntries: [Entry] = [
        Entry(name: "saga_list_request", description: "SagaListRequest: the first page of ABORTING sagas (tag 1 status 3), 50 at most",
              frame: Frame(requestId: 70, message: .sagaListRequest(SagaListRequest(status: 3, limit: 50)))),
        Entry(name: "saga_list_request_next_page", description: "SagaListRequest: any status, the page after the cursor of saga_list_reply",
              frame: Frame(requestId: 71, message: .sagaListRequest(SagaListRequest(cursor: "1718000030000:order-98765", limit: 2)))),
        Entry(name: "saga_list_reply", description: "SagaListReply: a RUNNING saga with a deadline (tag 1) and a COMPENSATED one (tags 1-3: its step 1 failed); more pages follow",
              frame: Frame(requestId: 71, message: .sagaListReply(SagaListReply(
                sagas: [sagaRunning, sagaCompensated], nextCursor: "1718000030000:order-98765")))),
        Entry(name: "saga_list_reply_empty", description: "SagaListReply: no saga matches (nextCursor empty: the last page)",
              frame: Frame(requestId: 70, message: .sagaListReply(SagaListReply(sagas: [], nextCursor: "")))),
        Entry(name: "saga_show_request", description: "SagaShowRequest for saga order-98765",
              frame: Frame(requestId: 72, message: .sagaShowRequest(SagaShowRequest(sagaId: "order-98765")))),
        Entry(name: "saga_show_reply", description: "SagaShowReply: saga order-98765, its two steps (executions in tags 1-2) and, in time order, its rows from step 1's failure on (shortened for the example); nothing left out (no tag 1)",
              frame: Frame(requestId: 72, message: .sagaShowReply(SagaShowReply(
                saga: sagaCompensated, steps: sagaSteps, history: sagaHistory)))),
        Entry(name: "saga_show_reply_cut", description: "SagaShowReply whose history did not fit in one frame: its first row, then 2 later rows left out (tag 1)",
              frame: Frame(requestId: 73, message: .sagaShowReply(SagaShowReply(
                saga: sagaCompensated, steps: sagaSteps, history: Array(sagaHistory.prefix(1)), omittedEntries: 2)))),
        Entry(name: "saga_abort_request", description: "SagaAbortRequest: abort saga order-98766 by compctl:alice (tag 1 actor)",
              frame: Frame(requestId: 74, message: .sagaAbortRequest(SagaAbortRequest(sagaId: "order-98766", actor: "compctl:alice")))),
        Entry(name: "saga_abort_reply", description: "SagaAbortReply: the saga is ABORTING (3): its compensations are under way",
              frame: Frame(requestId: 74, message: .sagaAbortReply(SagaAbortReply(status: 3)))),
    ]
}
