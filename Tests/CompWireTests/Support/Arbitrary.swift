import CompWire
import PropertyBased

/// Random, valid (within every limit and range) values of every message, for round-trip properties.
struct Arbitrary<R: RandomNumberGenerator> {
    var rng: R

    mutating func int<T: FixedWidthInteger>(_: T.Type = T.self) -> T { T.random(in: .min ... .max, using: &rng) }
    mutating func int<T: FixedWidthInteger>(in range: ClosedRange<T>) -> T { T.random(in: range, using: &rng) }
    mutating func bool() -> Bool { Bool.random(using: &rng) }
    mutating func maybe<T>(_ make: (inout Self) -> T) -> T? { bool() ? make(&self) : nil }

    /// Edge values more often than uniform draws would give them.
    mutating func i64() -> Int64 {
        switch int(in: 0...5) {
        case 0: [Int64.min, -1, 0, 1, .max][int(in: 0...4)]
        default: int(Int64.self)
        }
    }

    /// A string mixing ASCII, two-, three- and four-byte characters, at most `maxBytes` UTF-8 bytes.
    mutating func string(maxBytes: Int = WireLimits.maxNameBytes) -> String {
        let alphabet: [Character] = ["a", "Z", "0", "-", "_", " ", "é", "ß", "日", "本", "€", "😀", "\u{0}", "\n"]
        var text = ""
        let length = int(in: 0...min(24, maxBytes / 4))
        for _ in 0..<length {
            text.append(alphabet[int(in: 0...(alphabet.count - 1))])
        }
        return text
    }

    mutating func bytes() -> [UInt8] {
        (0..<int(in: 0...40)).map { _ in int(UInt8.self) }
    }

    mutating func array<T>(max: Int = 4, _ make: (inout Self) -> T) -> [T] {
        (0..<int(in: 0...max)).map { _ in make(&self) }
    }

    mutating func errorDetails() -> ErrorDetails {
        ErrorDetails(code: string(), message: string(maxBytes: WireLimits.maxMessageBytes),
                     detail: string(maxBytes: WireLimits.maxDetailBytes))
    }

    mutating func patch() -> RetrySpecPatch {
        RetrySpecPatch(
            maxRetries: maybe { $0.int() }, minBackoffMs: maybe { $0.int() }, maxBackoffMs: maybe { $0.int() },
            executionTimeoutMs: maybe { $0.int() }, jitterPermille: maybe { $0.int(in: 0...1000) },
            deadline: maybe { $0.i64() })
    }

    mutating func specFields() -> RetrySpecFields {
        RetrySpecFields(
            maxRetries: int(), minBackoffMs: int(), maxBackoffMs: int(), executionTimeoutMs: int(),
            jitterPermille: int(in: 0...1000), deadline: maybe { $0.i64() })
    }

    mutating func lease() -> LeaseRef { LeaseRef(executionId: i64(), token: int()) }

    mutating func record() -> Record {
        Record(
            id: int(), kind: RecordKind.allCases[int(in: 0...2)], service: string(), processor: string(),
            function: string(), eventId: string(), occurredAt: i64(), correlationId: maybe { $0.string() },
            error: maybe { $0.errorDetails() }, recoverable: maybe { $0.int(in: 0...2) },
            retrySpec: maybe { $0.patch() }, payload: maybe { $0.bytes() }, lease: maybe { $0.lease() },
            saga: maybe { $0.sagaRef() })
    }

    mutating func command() -> RetryCommand {
        RetryCommand(
            executionId: i64(), attempt: int(), leaseToken: int(), leaseDeadline: i64(), service: string(),
            processor: string(), function: string(), eventId: string(), correlationId: string(),
            lastError: errorDetails(), payload: bytes(),
            saga: maybe { SagaCommandRef(sagaId: $0.string(), step: $0.int(), forwardUnknown: $0.int(in: 0...1)) })
    }

    mutating func filter() -> Filter {
        Filter(
            statuses: array(max: 5) { $0.int(in: 1...5) }, parkReason: maybe { $0.int(in: 0...4) },
            service: maybe { $0.string() }, processor: maybe { $0.string() }, function: maybe { $0.string() },
            eventId: maybe { $0.string() }, correlationId: maybe { $0.string() }, errorCode: maybe { $0.string() },
            recoverable: maybe { $0.int(in: 0...2) }, createdAfter: maybe { $0.i64() }, createdBefore: maybe { $0.i64() },
            nextRetryBefore: maybe { $0.i64() })
    }

    mutating func execution() -> ExecutionView {
        ExecutionView(
            id: i64(), status: int(in: 1...5), parkReason: int(in: 0...4), recoverable: int(in: 0...2),
            markedByOperator: bool(), retries: int(), spec: specFields(), service: string(), processor: string(),
            function: string(), eventId: string(), correlationId: string(), error: errorDetails(),
            nextRetryAt: maybe { $0.i64() }, leaseHolder: maybe { $0.string() }, leaseUntil: maybe { $0.i64() },
            leaseToken: maybe { $0.int() }, payloadBytes: int(), createdAt: i64(), updatedAt: i64())
    }

    mutating func saga() -> SagaView {
        SagaView(id: string(), status: int(in: 1...5), stepCount: int(), createdAt: i64(), updatedAt: i64(),
                 deadline: maybe { $0.i64() }, abortCause: maybe { $0.int(in: 1...3) }, abortStep: maybe { $0.int() })
    }

    mutating func action() -> AdminAction {
        switch int(in: 1...8) {
        case 1: .retryNow
        case 2: .discard
        case 3: .park
        case 4: .mark(int(in: 0...2))
        case 5: .applySpec(patch())
        case 6: .changeFunction(string())
        case 7: .pause
        default: .resume
        }
    }

    mutating func target() -> ActionTarget {
        switch int(in: 1...3) {
        case 1: .execution(i64())
        case 2: .filter(filter())
        default: .service(string())
        }
    }

    mutating func message(of type: MessageType) -> Message {
        switch type {
        case .hello: .hello(Hello(clientName: string(), instance: string()))
        case .helloReply:
            .helloReply(HelloReply(brokerName: string(), maxFrameBytes: int(), maxBatchRecords: int(),
                                   heartbeatIntervalMs: int(), serverTime: i64()))
        case .heartbeat: .heartbeat(Heartbeat(sentAt: i64()))
        case .heartbeatReply: .heartbeatReply(HeartbeatReply(serverTime: i64()))
        case .recordBatch: .recordBatch(RecordBatch(records: array(max: 6) { $0.record() }))
        case .ack:
            .ack(Ack(outcomes: array(max: 8) {
                RecordOutcome(status: OutcomeStatus.allCases[$0.int(in: 0...3)], code: $0.int(), executionId: $0.i64(),
                              detail: $0.maybe { $0.string(maxBytes: WireLimits.maxMessageBytes) },
                              leaseToken: $0.maybe { $0.int() })
            }))
        case .fetch: .fetch(Fetch(service: string(), instance: string(), max: int(), waitMs: int()))
        case .commands: .commands(Commands(commands: array { $0.command() }))
        case .extendLease: .extendLease(ExtendLease(lease: lease(), extendByMs: int()))
        case .leaseReply: .leaseReply(LeaseReply(status: OutcomeStatus.allCases[int(in: 0...3)], leaseDeadline: i64()))
        case .listRequest:
            .listRequest(ListRequest(filter: filter(), cursor: i64(), limit: int(),
                                     sort: ListSort.allCases[int(in: 0...1)], cursorKey: maybe { $0.i64() }))
        case .listReply:
            .listReply(ListReply(executions: array(max: 3) { $0.execution() }, nextCursor: i64(), nextCursorKey: maybe { $0.i64() }))
        case .showRequest: .showRequest(ShowRequest(executionId: i64(), historyAfter: maybe { $0.i64() }, withPayload: bool()))
        case .showReply:
            .showReply(ShowReply(execution: execution(), history: array(max: 5) {
                HistoryEntry(seq: $0.i64(), at: $0.i64(), kind: $0.string(), recordId: $0.maybe { $0.int() },
                             summary: $0.string(maxBytes: WireLimits.maxMessageBytes),
                             actor: $0.maybe { $0.string(maxBytes: WireLimits.maxActorBytes) })
            }, nextHistoryAfter: maybe { $0.i64() }, payload: maybe { $0.array(max: 16) { $0.int() } }))
        case .actionRequest:
            .actionRequest(ActionRequest(action: action(), target: target(), force: bool(),
                                         actor: maybe { $0.string(maxBytes: WireLimits.maxActorBytes) }))
        case .actionReply:
            .actionReply(ActionReply(matched: int(), changed: int(), failures: array {
                ActionFailure(executionId: $0.i64(), code: $0.int(), message: $0.string(maxBytes: WireLimits.maxMessageBytes))
            }))
        case .statsRequest: .statsRequest(StatsRequest())
        case .statsReply:
            .statsReply(StatsReply(
                counts: array(max: 6) { StatusCount(status: $0.int(in: 1...5), parkReason: $0.int(in: 0...4), count: $0.int()) },
                services: array { ServiceStats(service: $0.string(), paused: $0.bool(), inFlight: $0.int(), waitingFetches: $0.int()) },
                recordsAccepted: int(), recordsDuplicate: int(), recordsStale: int(), recordsRejected: int(),
                successesNotHeld: int(), commandsDispatched: int(), leasesExpired: int(), uptimeMs: int(),
                dueNow: maybe { $0.int() },
                overview: maybe { gen in
                    Overview(
                        bucketMs: gen.int(), since: gen.i64(),
                        series: gen.array(max: 3) { ServiceSeries(service: $0.string(), counts: $0.array(max: 24) { $0.int() }) },
                        topErrorsHour: gen.array(max: 3) { ErrorCount(code: $0.string(), count: $0.int()) },
                        topErrorsDay: gen.array(max: 3) { ErrorCount(code: $0.string(), count: $0.int()) })
                }))
        case .event:
            .event(Event(
                seq: i64(), at: i64(), executionId: i64(), kind: string(), status: int(in: 1...5),
                parkReason: int(in: 0...4), retries: int(), service: string(), processor: string(),
                function: string(), eventId: string(), correlationId: string(), errorCode: string(),
                errorMessage: string(maxBytes: WireLimits.maxMessageBytes),
                actor: maybe { $0.string(maxBytes: WireLimits.maxActorBytes) }))
        case .timelineRequest: .timelineRequest(TimelineRequest(correlationId: string()))
        case .timelineReply:
            .timelineReply(TimelineReply(executions: array(max: 3) { $0.execution() }, entries: array(max: 5) {
                TimelineEntry(executionId: $0.i64(), entry: HistoryEntry(
                    seq: $0.i64(), at: $0.i64(), kind: $0.string(), recordId: $0.maybe { $0.int() },
                    summary: $0.string(maxBytes: WireLimits.maxMessageBytes)))
            }, omittedExecutions: maybe { $0.int() }, omittedEntries: maybe { $0.int() }))
        case .serviceEvent: .serviceEvent(ServiceEvent(at: i64(), kind: string(), service: string()))
        case .declareSaga, .sagaDeclared, .sagaEvent: sagaMessage(of: type)
        case .notificationsRequest: .notificationsRequest(NotificationsRequest())
        case .notificationsReply:
            .notificationsReply(NotificationsReply(notifiers: array(max: 3) { gen in
                NotifierStatus(
                    name: gen.string(), kind: gen.string(), target: gen.string(maxBytes: WireLimits.maxMessageBytes),
                    events: gen.array(max: 4) { $0.string() }, services: gen.array(max: 4) { $0.string() },
                    cursorSeq: gen.i64(), headSeq: gen.i64(), pending: gen.int(), sent: gen.int(), retried: gen.int(),
                    dropped: gen.int(), lastError: gen.maybe { $0.string(maxBytes: WireLimits.maxMessageBytes) },
                    lastErrorAt: gen.maybe { $0.i64() }, oldestPendingAgeMs: gen.maybe { $0.int() })
            }))
        case .error: .error(ErrorReply(code: int(), message: string(maxBytes: WireLimits.maxMessageBytes)))
        case .sagaListRequest:
            .sagaListRequest(SagaListRequest(status: maybe { $0.int(in: 1...5) },
                                             cursor: string(maxBytes: WireLimits.maxMessageBytes), limit: int()))
        case .sagaListReply:
            .sagaListReply(SagaListReply(sagas: array(max: 3) { $0.saga() }, nextCursor: string(maxBytes: WireLimits.maxMessageBytes)))
        case .sagaShowRequest: .sagaShowRequest(SagaShowRequest(sagaId: string()))
        case .sagaShowReply:
            .sagaShowReply(SagaShowReply(
                saga: saga(),
                steps: array(max: 4) { gen in
                    SagaStepView(
                        index: gen.int(), service: gen.string(), processor: gen.string(), eventId: gen.string(),
                        forward: gen.string(), compensation: gen.string(), forwardState: gen.int(in: 0...3),
                        compensationState: gen.int(in: 0...6), forwardUnknown: gen.bool(),
                        forwardExecutionId: gen.maybe { $0.i64() }, compensationExecutionId: gen.maybe { $0.i64() })
                },
                history: array(max: 4) {
                    TimelineEntry(executionId: $0.i64(), entry: HistoryEntry(
                        seq: $0.i64(), at: $0.i64(), kind: $0.string(), recordId: $0.maybe { $0.int() },
                        summary: $0.string(maxBytes: WireLimits.maxMessageBytes),
                        actor: $0.maybe { $0.string(maxBytes: WireLimits.maxActorBytes) }))
                },
                omittedEntries: maybe { $0.int() }))
        case .sagaAbortRequest:
            .sagaAbortRequest(SagaAbortRequest(sagaId: string(), actor: maybe { $0.string(maxBytes: WireLimits.maxActorBytes) }))
        case .sagaAbortReply: .sagaAbortReply(SagaAbortReply(status: int(in: 1...5)))
        case .keyCreateRequest:
            .keyCreateRequest(KeyCreateRequest(name: string(), role: int(in: 1...2), services: array { $0.string() }))
        case .keyCreateReply:
            .keyCreateReply(KeyCreateReply(key: keyView(), secret: (0..<32).map { _ in int() }))
        case .keyListRequest:
            .keyListRequest(KeyListRequest(cursor: string(maxBytes: WireLimits.maxMessageBytes), limit: int()))
        case .keyListReply:
            .keyListReply(KeyListReply(keys: array(max: 3) { $0.keyView() }, nextCursor: string(maxBytes: WireLimits.maxMessageBytes)))
        case .keyRevokeRequest: .keyRevokeRequest(KeyRevokeRequest(keyId: string()))
        case .keyRevokeReply: .keyRevokeReply(KeyRevokeReply(keyId: string(), revokedAt: i64()))
        }
    }

    mutating func keyView() -> KeyView {
        KeyView(id: string(), name: string(), role: int(in: 1...2), services: array { $0.string() }, createdAt: i64(),
                revokedAt: maybe { $0.i64() })
    }

    mutating func frame(of type: MessageType) -> Frame {
        Frame(requestId: int(), flags: int() & ~AuthTrailer.flag, message: message(of: type))  // bit 0 follows `auth`
    }
}

extension Gen where Value == Frame {
    /// Random valid frames carrying a message of `type`.
    static func frame(of type: MessageType) -> Generator<Frame, Shrink.None<Frame>> {
        Generator { rng in
            var arbitrary = Arbitrary<SeededSource>(rng: SeededSource(base: rng))
            let frame = arbitrary.frame(of: type)
            rng = arbitrary.rng.base
            return frame
        }
    }
}

/// Lets generic code draw from the property checker's seeded generator (an existential).
struct SeededSource: RandomNumberGenerator {
    var base: any SeededRandomNumberGenerator
    mutating func next() -> UInt64 { base.next() }
}
