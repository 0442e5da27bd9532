import CompWire

/// The values the golden vectors in `proto-spec/vectors/` encode, written out by hand.
enum GoldenValues {
    /// A named vector: its file name (without `.hex`), its one-line description, and its frame.
    struct Entry: Sendable {
        var name: String
        var description: String
        var frame: Frame
    }

    static let time: Int64 = 1_718_000_000_000
    static let recordId: UInt128 = 0x0190_0b8f_a000_7abc_8123_4567_89ab_cdef

    static let errorDetails = ErrorDetails(
        code: "HTTP_503", message: "payment gateway unavailable",
        detail: "PaymentClient.charge(_:) line 42\nOrderHandler.handle(_:) line 17")

    static let fullPatch = RetrySpecPatch(
        maxRetries: 5, minBackoffMs: 60_000, maxBackoffMs: 3_600_000, executionTimeoutMs: 120_000,
        jitterPermille: 200, deadline: time + 86_400_000)

    static let spec = RetrySpecFields(
        maxRetries: 10, minBackoffMs: 180_000, maxBackoffMs: 3_600_000, executionTimeoutMs: 120_000,
        jitterPermille: 100)

    static let failureAllOptional = Record(
        id: recordId, kind: .failure, service: "orders", processor: "order-events", function: "chargeCard",
        eventId: "evt-000123", occurredAt: time, correlationId: "order-98765", error: errorDetails,
        recoverable: 1, retrySpec: fullPatch, payload: [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d],
        lease: LeaseRef(executionId: 42, token: 7))

    static let successWithLease = Record(
        id: recordId + 1, kind: .success, service: "orders", processor: "order-events", function: "chargeCard",
        eventId: "evt-000123", occurredAt: time + 500_000, lease: LeaseRef(executionId: 42, token: 130))

    static let failureMinimal = Record(
        id: recordId + 2, kind: .failure, service: "billing", processor: "invoices", function: "sendInvoice",
        eventId: "inv-7", occurredAt: time + 1,
        error: ErrorDetails(code: "TIMEOUT", message: "no answer in 30 s"), recoverable: 0)

    /// The intent of execution 44: orders / reserveStock is about to run, at most 30 s.
    static let startedIntent = Record(
        id: recordId + 4, kind: .started, service: "orders", processor: "order-events", function: "reserveStock",
        eventId: "evt-000124", occurredAt: time + 600_000, correlationId: "order-98766",
        retrySpec: RetrySpecPatch(executionTimeoutMs: 30_000), payload: [0x7b, 0x7d])

    static let successPlain = Record(
        id: recordId + 3, kind: .success, service: "billing", processor: "invoices", function: "sendInvoice",
        eventId: "inv-8", occurredAt: time + 2)

    // The vectors tell one consistent story (T = `time` = 2024-06-10T06:13:20.000Z):
    // - execution 42 (orders / chargeCard) failed at T, was due at T+171.3 s, was leased to orders-7f9c at
    //   T+360 s until T+480 s under token 130 (its first retry), and its holder extends the lease;
    // - execution 43 (orders / refundCard) waits for its third retry at T+900 s;
    // - execution 44 (orders / reserveStock) is an intent: its `started` record at T+600 s created it PREPARED,
    //   leased to `intent` for 30 s under token 44 (the seq of the row that created it);
    // - execution 41 (billing / sendInvoice), created a day earlier, parked `exhausted` when its tenth retry
    //   failed at T−60 s (the event vector), and an operator marked it unrecoverable at T.

    static let command = RetryCommand(
        executionId: 42, attempt: 1, leaseToken: 130, leaseDeadline: time + 480_000, service: "orders",
        processor: "order-events", function: "chargeCard", eventId: "evt-000123",
        correlationId: "order-98765", lastError: errorDetails, payload: [0x7b, 0x7d])

    /// PREPARED: its lease tags (2, 3, 4) are present and `nextRetryAt` (tag 1) is not.
    static let executionFull = ExecutionView(
        id: 42, status: 2, parkReason: 0, recoverable: 1, markedByOperator: false, retries: 1,
        spec: RetrySpecFields(
            maxRetries: 10, minBackoffMs: 180_000, maxBackoffMs: 3_600_000, executionTimeoutMs: 120_000,
            jitterPermille: 100, deadline: time + 86_400_000),
        service: "orders", processor: "order-events", function: "chargeCard", eventId: "evt-000123",
        correlationId: "order-98765", error: errorDetails,
        leaseHolder: "orders-7f9c", leaseUntil: time + 480_000, leaseToken: 130, payloadBytes: 7,
        createdAt: time, updatedAt: time + 360_000)

    /// FAILED: `nextRetryAt` (tag 1) is present and the lease tags are not.
    static let executionFailed = ExecutionView(
        id: 43, status: 1, parkReason: 0, recoverable: 0, markedByOperator: false, retries: 2, spec: spec,
        service: "orders", processor: "order-events", function: "refundCard", eventId: "evt-000124",
        correlationId: "order-98766", error: ErrorDetails(code: "HTTP_503", message: "payment gateway unavailable"),
        nextRetryAt: time + 900_000, payloadBytes: 0, createdAt: time - 600_000, updatedAt: time + 180_000)

    /// PARKED: no optional field.
    static let executionParked = ExecutionView(
        id: 41, status: 4, parkReason: 1, recoverable: 2, markedByOperator: true, retries: 10, spec: spec,
        service: "billing", processor: "invoices", function: "sendInvoice", eventId: "inv-7", correlationId: "",
        error: ErrorDetails(code: "TIMEOUT", message: "no answer in 30 s"), payloadBytes: 0,
        createdAt: time - 86_400_000, updatedAt: time)

    /// The history of execution 42 as the broker writes it (kinds and summaries as really sent).
    static let history42 = [
        HistoryEntry(seq: 100, at: time, kind: "failure", recordId: recordId,
                     summary: "failure HTTP_503: payment gateway unavailable [recoverable], retry at 2024-06-10T06:16:11.300Z"),
        HistoryEntry(seq: 130, at: time + 360_000, kind: "leased",
                     summary: "leased to orders-7f9c until 2024-06-10T06:21:20.000Z (token 130)"),
    ]

    /// An execution whose error message is 1365 euro signs (4095 bytes, within the text limit).
    static let longMessage = String(repeating: "\u{20AC}", count: 1365)

    static let executionLongError = ExecutionView(
        id: 44, status: 1, parkReason: 0, recoverable: 0, markedByOperator: false, retries: 0, spec: spec,
        service: "orders", processor: "order-events", function: "chargeCard", eventId: "evt-000125",
        correlationId: "", error: ErrorDetails(code: "X", message: longMessage), nextRetryAt: time + 571_300,
        payloadBytes: 0, createdAt: time + 400_000, updatedAt: time + 400_000)

    /// The summary the broker writes for execution 44's failure, before it is cut (4141 bytes).
    static let uncutSummary = "failure X: " + longMessage + ", retry at 2024-06-10T06:22:51.300Z"

    /// `uncutSummary` cut by the truncation rule: 1360 of the euro signs are kept, then `…` (4094 bytes).
    static let cutSummary = "failure X: " + String(repeating: "\u{20AC}", count: 1360) + "\u{2026}"

    static let parkedFilter = Filter(statuses: [4], parkReason: 1, service: "billing", errorCode: "TIMEOUT")

    static let entries: [Entry] = coreEntries + sagaEntries

    static let coreEntries: [Entry] = [
        Entry(name: "hello", description: "Hello from a subscriber instance",
              frame: Frame(requestId: 1, message: .hello(Hello(clientName: "compclient-swift/0.1", instance: "orders-7f9c")))),
        Entry(name: "hello_reply", description: "HelloReply with the broker's limits (compd's default frame limit, 1 MiB)",
              frame: Frame(requestId: 1, message: .helloReply(HelloReply(
                brokerName: "compd/0.1", maxFrameBytes: 1_048_576, maxBatchRecords: 1000,
                heartbeatIntervalMs: 10_000, serverTime: time)))),
        Entry(name: "heartbeat", description: "Heartbeat with the sender's clock",
              frame: Frame(requestId: 2, message: .heartbeat(Heartbeat(sentAt: time)))),
        Entry(name: "heartbeat_reply", description: "HeartbeatReply with the broker's clock",
              frame: Frame(requestId: 2, message: .heartbeatReply(HeartbeatReply(serverTime: time + 3)))),
        Entry(name: "record_batch_failure", description: "RecordBatch: one failure with every optional field (tags 1-6)",
              frame: Frame(requestId: 10, message: .recordBatch(RecordBatch(records: [failureAllOptional])))),
        Entry(name: "record_batch_success_with_lease", description: "RecordBatch: the success of a retry, carrying its lease",
              frame: Frame(requestId: 11, message: .recordBatch(RecordBatch(records: [successWithLease])))),
        Entry(name: "record_batch_started", description: "RecordBatch: a started record (the intent before a call) with its correlation id, a 30 s execution timeout and a payload",
              frame: Frame(requestId: 17, message: .recordBatch(RecordBatch(records: [startedIntent])))),
        Entry(name: "record_batch_mixed", description: "RecordBatch: a failure with error and recoverable only, then a success without a lease",
              frame: Frame(requestId: 12, message: .recordBatch(RecordBatch(records: [failureMinimal, successPlain])))),
        Entry(name: "record_batch_empty", description: "RecordBatch with no records",
              frame: Frame(requestId: 13, message: .recordBatch(RecordBatch(records: [])))),
        Entry(name: "ack", description: "Ack: accepted, duplicate, stale, rejected with invalid_record (20)",
              frame: Frame(requestId: 12, message: .ack(Ack(outcomes: [
                RecordOutcome(status: .accepted, executionId: 42),
                RecordOutcome(status: .duplicate, executionId: 42),
                RecordOutcome(status: .stale, executionId: 42),
                RecordOutcome(status: .rejected, code: 20),
              ])))),
        Entry(name: "ack_rejected_detail", description: "Ack: a record rejected for its retry spec, the field and the rule in the outcome's detail (tag 1)",
              frame: Frame(requestId: 16, message: .ack(Ack(outcomes: [RecordOutcome(
                status: .rejected, code: 21, detail: "retrySpec.maxBackoff: must be in minBackoff...366d, got 1s")])))),
        Entry(name: "ack_record_too_old", description: "Ack: a record made before the broker's dedupe window, refused with record_too_old (29)",
              frame: Frame(requestId: 17, message: .ack(Ack(outcomes: [RecordOutcome(
                status: .rejected, code: 29,
                detail: "id: made 30d ago, before the broker's dedupe window of 167h; a resend this old could be applied twice")])))),
        Entry(name: "ack_started", description: "Ack: a started record accepted, with the intent's lease token (tag 2) for the result's LeaseRef",
              frame: Frame(requestId: 17, message: .ack(Ack(outcomes: [RecordOutcome(status: .accepted, executionId: 44, leaseToken: 44)])))),
        Entry(name: "ack_not_held", description: "Ack: a success by key while the broker holds nothing open for the key: accepted, executionId 0, the same every time it is resent",
              frame: Frame(requestId: 14, message: .ack(Ack(outcomes: [RecordOutcome(status: .accepted, executionId: 0)])))),
        Entry(name: "fetch", description: "Fetch: up to 10 commands of service orders, hold up to 30 s",
              frame: Frame(requestId: 20, message: .fetch(Fetch(service: "orders", instance: "orders-7f9c", max: 10, waitMs: 30_000)))),
        Entry(name: "commands", description: "Commands: one leased retry",
              frame: Frame(requestId: 20, message: .commands(Commands(commands: [command])))),
        Entry(name: "commands_empty", description: "Commands: none due before the wait ended",
              frame: Frame(requestId: 21, message: .commands(Commands(commands: [])))),
        Entry(name: "extend_lease", description: "ExtendLease by 60 s",
              frame: Frame(requestId: 22, message: .extendLease(ExtendLease(lease: LeaseRef(executionId: 42, token: 130), extendByMs: 60_000)))),
        Entry(name: "lease_reply", description: "LeaseReply: extended (asked at T+470 s for 60 s more)",
              frame: Frame(requestId: 22, message: .leaseReply(LeaseReply(status: .accepted, leaseDeadline: time + 530_000)))),
        Entry(name: "lease_reply_stale", description: "LeaseReply: the lease is no longer current",
              frame: Frame(requestId: 23, message: .leaseReply(LeaseReply(status: .stale, leaseDeadline: 0)))),
        Entry(name: "list_request", description: "ListRequest: parked (exhausted) executions of billing with error code TIMEOUT",
              frame: Frame(requestId: 30, message: .listRequest(ListRequest(filter: parkedFilter, cursor: 0, limit: 50)))),
        Entry(name: "list_request_next_retry", description: "ListRequest: unrecoverable-hinted FAILED executions created in one day, due by T, by next retry (tag 1 sort 1), after (T + 900 s, 43) (tag 2 cursorKey)",
              frame: Frame(requestId: 37, message: .listRequest(ListRequest(
                filter: Filter(statuses: [1], recoverable: 0, createdAfter: time - 86_400_000, createdBefore: time,
                               nextRetryBefore: time + 3_600_000),
                cursor: 43, limit: 100, sort: .nextRetry, cursorKey: time + 900_000)))),
        Entry(name: "list_reply_next_retry", description: "ListReply sorted by next retry: one FAILED execution; more follow after (its nextRetryAt, its id) (tag 1 nextCursorKey)",
              frame: Frame(requestId: 37, message: .listReply(ListReply(executions: [executionFailed], nextCursor: 43, nextCursorKey: time + 900_000)))),
        Entry(name: "list_request_any", description: "ListRequest: any execution, second page",
              frame: Frame(requestId: 31, message: .listRequest(ListRequest(filter: Filter(), cursor: 40, limit: 100)))),
        Entry(name: "list_reply", description: "ListReply: a PREPARED execution (lease tags 2-4), a FAILED one (nextRetryAt, tag 1), a PARKED one (no tags); more pages follow",
              frame: Frame(requestId: 30, message: .listReply(ListReply(executions: [executionFull, executionFailed, executionParked], nextCursor: 41)))),
        Entry(name: "show_request", description: "ShowRequest for execution 42",
              frame: Frame(requestId: 32, message: .showRequest(ShowRequest(executionId: 42)))),
        Entry(name: "show_request_payload", description: "ShowRequest for execution 43 with its payload (tag 2 withPayload)",
              frame: Frame(requestId: 35, message: .showRequest(ShowRequest(executionId: 43, withPayload: true)))),
        Entry(name: "show_reply_payload", description: "ShowReply: execution 43 with no history rows on this page and its 11-byte payload (tag 2)",
              frame: Frame(requestId: 35, message: .showReply(ShowReply(
                execution: executionFailed, history: [], payload: Array("{\"order\":7}".utf8))))),
        Entry(name: "show_reply", description: "ShowReply: execution 42 and its whole history (no tag 1: nothing more follows)",
              frame: Frame(requestId: 32, message: .showReply(ShowReply(execution: executionFull, history: history42)))),
        Entry(name: "show_reply_page", description: "ShowReply: execution 41 and the first page of its history; more rows follow after seq 47 (tag 1)",
              frame: Frame(requestId: 33, message: .showReply(ShowReply(execution: executionParked, history: [
                HistoryEntry(seq: 41, at: time - 86_400_000, kind: "failure", recordId: recordId + 2,
                             summary: "failure TIMEOUT: no answer in 30 s, retry at 2024-06-09T06:16:31.000Z"),
                HistoryEntry(seq: 47, at: time - 86_209_000, kind: "leased",
                             summary: "leased to billing-1 until 2024-06-09T06:18:31.000Z (token 47)"),
              ], nextHistoryAfter: 47)))),
        Entry(name: "show_reply_actor", description: "ShowReply: execution 41 and its history with an operator's retry by http:ops (HistoryEntry tag 2 actor)",
              frame: Frame(requestId: 36, message: .showReply(ShowReply(execution: executionParked, history: [
                HistoryEntry(seq: 41, at: time - 86_400_000, kind: "failure", recordId: recordId + 2,
                             summary: "failure TIMEOUT: no answer in 30 s, retry at 2024-06-09T06:16:31.000Z"),
                HistoryEntry(seq: 52, at: time - 3_600_000, kind: "retry", summary: "retry (operator)", actor: "http:ops"),
              ])))),
        Entry(name: "show_request_next_page", description: "ShowRequest: the history of execution 41 after seq 47 (tag 1 historyAfter)",
              frame: Frame(requestId: 34, message: .showRequest(ShowRequest(executionId: 41, historyAfter: 47)))),
        Entry(name: "show_reply_cut_summary", description: "ShowReply whose history summary was cut to the 4096-byte text limit by the rule of section 3",
              frame: Frame(requestId: 35, message: .showReply(ShowReply(execution: executionLongError, history: [
                HistoryEntry(seq: 150, at: time + 400_000, kind: "failure", recordId: recordId + 4, summary: cutSummary),
              ])))),
        Entry(name: "action_request_retry_now", description: "ActionRequest: retryNow (1) on execution 42 (target 1)",
              frame: Frame(requestId: 40, message: .actionRequest(ActionRequest(action: .retryNow, target: .execution(42))))),
        Entry(name: "action_request_retry_force", description: "ActionRequest: retryNow on execution 42 even if leased (tag 1 force)",
              frame: Frame(requestId: 45, message: .actionRequest(ActionRequest(action: .retryNow, target: .execution(42), force: true)))),
        Entry(name: "action_request_actor", description: "ActionRequest: discard on execution 41 by compctl:alice (tag 2 actor)",
              frame: Frame(requestId: 47, message: .actionRequest(ActionRequest(action: .discard, target: .execution(41), actor: "compctl:alice")))),
        Entry(name: "action_request_discard", description: "ActionRequest: discard (2) on execution 41",
              frame: Frame(requestId: 41, message: .actionRequest(ActionRequest(action: .discard, target: .execution(41))))),
        Entry(name: "action_request_park", description: "ActionRequest: park (3) everything matching a filter (target 2)",
              frame: Frame(requestId: 42, message: .actionRequest(ActionRequest(action: .park, target: .filter(Filter(statuses: [1], service: "orders")))))),
        Entry(name: "action_request_mark", description: "ActionRequest: mark (4) unrecoverable (2) on a filter",
              frame: Frame(requestId: 43, message: .actionRequest(ActionRequest(action: .mark(2), target: .filter(parkedFilter))))),
        Entry(name: "action_request_apply_spec", description: "ActionRequest: applySpec (5) with maxRetries and deadline on a filter",
              frame: Frame(requestId: 44, message: .actionRequest(ActionRequest(
                action: .applySpec(RetrySpecPatch(maxRetries: 20, deadline: time + 172_800_000)),
                target: .filter(Filter(statuses: [1, 4])))))),
        Entry(name: "action_request_change_function", description: "ActionRequest: changeFunction (6) on execution 42",
              frame: Frame(requestId: 45, message: .actionRequest(ActionRequest(action: .changeFunction("chargeCardV2"), target: .execution(42))))),
        Entry(name: "action_request_pause", description: "ActionRequest: pause (7) service orders (target 3)",
              frame: Frame(requestId: 46, message: .actionRequest(ActionRequest(action: .pause, target: .service("orders"))))),
        Entry(name: "action_request_resume", description: "ActionRequest: resume (8) service orders",
              frame: Frame(requestId: 47, message: .actionRequest(ActionRequest(action: .resume, target: .service("orders"))))),
        Entry(name: "action_reply", description: "ActionReply: 3 matched, 2 changed, 1 refused with not_allowed (23)",
              frame: Frame(requestId: 43, message: .actionReply(ActionReply(matched: 3, changed: 2, failures: [
                ActionFailure(executionId: 40, code: 23, message: "execution 40 is SUCCEEDED"),
              ])))),
        Entry(name: "stats_request", description: "StatsRequest (empty body: a tagged section with count 0)",
              frame: Frame(requestId: 50, message: .statsRequest(StatsRequest()))),
        Entry(name: "stats_reply", description: "StatsReply with counts per status and one service",
              frame: Frame(requestId: 50, message: .statsReply(StatsReply(
                counts: [
                    StatusCount(status: 1, parkReason: 0, count: 12),
                    StatusCount(status: 2, parkReason: 0, count: 3),
                    StatusCount(status: 4, parkReason: 1, count: 2),
                ],
                services: [ServiceStats(service: "orders", paused: false, inFlight: 3, waitingFetches: 2)],
                recordsAccepted: 1_000, recordsDuplicate: 7, recordsStale: 1, recordsRejected: 2,
                successesNotHeld: 900, commandsDispatched: 40, leasesExpired: 4, uptimeMs: 86_400_000)))),
        Entry(name: "stats_reply_overview", description: "StatsReply with dueNow (tag 1) and an overview (tag 2): two services over 3 hour buckets, top codes of the hour and the day",
              frame: Frame(requestId: 51, message: .statsReply(StatsReply(
                counts: [StatusCount(status: 1, parkReason: 0, count: 12)], services: [],
                recordsAccepted: 20, recordsDuplicate: 0, recordsStale: 0, recordsRejected: 0,
                successesNotHeld: 0, commandsDispatched: 4, leasesExpired: 1, uptimeMs: 10_800_000,
                dueNow: 5,
                overview: Overview(
                    bucketMs: 3_600_000, since: time - 7_200_000,
                    series: [
                        ServiceSeries(service: "billing", counts: [0, 1, 2]),
                        ServiceSeries(service: "orders", counts: [4, 0, 3]),
                    ],
                    topErrorsHour: [ErrorCount(code: "HTTP_503", count: 3), ErrorCount(code: "TIMEOUT", count: 2)],
                    topErrorsDay: [ErrorCount(code: "HTTP_503", count: 7), ErrorCount(code: "TIMEOUT", count: 3)]))))),
        Entry(name: "timeline_request", description: "TimelineRequest: everything of correlation id order-98766",
              frame: Frame(requestId: 50, message: .timelineRequest(TimelineRequest(correlationId: "order-98766")))),
        Entry(name: "timeline_reply", description: "TimelineReply: execution 43 and its first row; nothing left out (no tags)",
              frame: Frame(requestId: 50, message: .timelineReply(TimelineReply(
                executions: [executionFailed],
                entries: [TimelineEntry(executionId: 43, entry: HistoryEntry(
                    seq: 43, at: time - 600_000, kind: "failure", recordId: recordId + 1,
                    summary: "failure HTTP_503: payment gateway unavailable, retry at 2024-06-10T06:07:11.300Z"))])))),
        Entry(name: "notifications_request", description: "NotificationsRequest (empty body: a tagged section with count 0)",
              frame: Frame(requestId: 60, message: .notificationsRequest(NotificationsRequest()))),
        Entry(name: "notifications_reply", description: "NotificationsReply: a webhook behind by 3 rows with 2 pending, retrying after a 503 (tags 1-3), and a Slack notifier for orders that is up to date (no tags)",
              frame: Frame(requestId: 60, message: .notificationsReply(NotificationsReply(notifiers: [
                NotifierStatus(
                    name: "ops-hook", kind: "webhook", target: "https://hooks.example.com",
                    events: ["failure_created", "retry_failed", "succeeded_after_retry", "parked"], services: [],
                    cursorSeq: 96, headSeq: 99, pending: 2, sent: 40, retried: 3, dropped: 1,
                    lastError: "HTTP 503 from https://hooks.example.com", lastErrorAt: time - 5_000,
                    oldestPendingAgeMs: 12_000),
                NotifierStatus(
                    name: "slack-3f2a9c1d", kind: "slack", target: "https://hooks.slack.com", events: ["parked"],
                    services: ["orders"], cursorSeq: 99, headSeq: 99, pending: 0, sent: 7, retried: 0, dropped: 0),
              ])))),
        Entry(name: "notifications_reply_empty", description: "NotificationsReply of a broker with no notifiers",
              frame: Frame(requestId: 61, message: .notificationsReply(NotificationsReply(notifiers: [])))),
        Entry(name: "service_event", description: "ServiceEvent (request id 0): dispatch of service orders paused",
              frame: Frame(requestId: 0, message: .serviceEvent(ServiceEvent(at: time, kind: "pause", service: "orders")))),
        Entry(name: "event", description: "Event (request id 0): the failure result of execution 41's tenth retry parked it (exhausted)",
              frame: Frame(requestId: 0, message: .event(Event(
                seq: 99, at: time - 60_000, executionId: 41, kind: "failure-result", status: 4, parkReason: 1,
                retries: 10, service: "billing", processor: "invoices", function: "sendInvoice",
                eventId: "inv-7", correlationId: "", errorCode: "TIMEOUT",
                errorMessage: "no answer in 30 s")))),
        Entry(name: "event_actor", description: "Event (request id 0): an operator's discard of execution 41 by compctl:alice (tag 1 actor)",
              frame: Frame(requestId: 0, message: .event(Event(
                seq: 120, at: time, executionId: 41, kind: "discard", status: 5, parkReason: 0,
                retries: 10, service: "billing", processor: "invoices", function: "sendInvoice",
                eventId: "inv-7", correlationId: "", errorCode: "TIMEOUT",
                errorMessage: "no answer in 30 s", actor: "compctl:alice")))),
        Entry(name: "error_reply", description: "ErrorReply: unknown_message_type (4), echoing request id 99",
              frame: Frame(requestId: 99, message: .error(ErrorReply(code: 4, message: "message type 0x50")))),
        Entry(name: "error_reply_limit_exceeded", description: "ErrorReply: limit_exceeded (6) for invalid/text_over_limit, naming the field",
              frame: Frame(requestId: 15, message: .error(ErrorReply(code: 6, message: "ErrorDetails.message: length 4097 over limit 4096")))),
        Entry(name: "error_reply_unicode", description: "ErrorReply: overloaded (41) with a non-ASCII message",
              frame: Frame(requestId: 7, flags: 0, message: .error(ErrorReply(code: 41, message: "überlastet – später erneut senden ✓")))),
    ] + sagaAdminEntries + keyEntries
}
