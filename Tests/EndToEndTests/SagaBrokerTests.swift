import CompClient
import CompTransport
import CompWire
import Foundation
import Testing

/// Sagas against a real compd: records of three services declare the saga; aborts compensate last step first
/// through Fetch; fencing, STUCK and the operator, duplicate results, and a kill -9 in the middle of an abort.
@Suite(.serialized)
struct SagaBrokerTests {
    /// A forward record of saga `saga`'s step `step` in `service` (processor billing, event "<saga>-<step>").
    func forward(
        _ kind: RecordKind, saga: String, step: UInt16, service: String, last: Bool = false, deadline: Int64? = nil,
        recoverable: UInt8? = nil, compensationSpec: RetrySpecPatch? = nil, spec: RetrySpecPatch? = nil
    ) -> Record {
        Record(
            id: RecordIdentifier.next(), kind: kind, service: service, processor: "billing", function: "do-\(service)",
            eventId: "\(saga)-\(step)", occurredAt: nowMs(), correlationId: saga,
            error: kind == .failure ? ErrorDetails(code: "NO_STOCK", message: "refused") : nil,
            recoverable: recoverable, retrySpec: spec, payload: Array("payload-\(step)".utf8),
            saga: SagaRef(
                sagaId: "", step: step, compensation: "undo-\(service)", last: last ? true : nil, deadline: deadline,
                retrySpec: compensationSpec ?? RetrySpecPatch(maxRetries: 3, minBackoffMs: 100, maxBackoffMs: 1000, jitterPermille: 0)))
    }

    /// Fetches from `service` until a command arrives (30 s at most).
    func nextCommand(_ subscriber: Subscriber) throws -> RetryCommand? {
        var found: RetryCommand?
        _ = try eventually(30) {
            found = try subscriber.fetch(max: 1, waitMilliseconds: 1000).first
            return found != nil
        }
        return found
    }

    /// The result record of `command`, as a subscriber sends it (kept, so it can be sent again).
    func result(_ command: RetryCommand, success: Bool = true) -> Record {
        Record(
            id: RecordIdentifier.next(), kind: success ? .success : .failure, service: command.service,
            processor: command.processor, function: command.function, eventId: command.eventId, occurredAt: nowMs(),
            error: success ? nil : ErrorDetails(code: "UNDO_FAILED", message: "still down"),
            lease: LeaseRef(executionId: command.executionId, token: command.leaseToken))
    }

    @Test("a step failing unrecoverably: the steps that ran get their compensations through Fetch, last first; a result sent twice is accepted, then duplicate")
    func reverseCompensation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let reporter = try broker.reporter()
        let outcomes = try reporter.send([
            forward(.success, saga: "order-1", step: 0, service: "order"),
            forward(.success, saga: "order-1", step: 1, service: "exchange"),
            forward(.failure, saga: "order-1", step: 2, service: "point", last: true, recoverable: 2),
        ])
        #expect(outcomes.map(\.status) == [.accepted, .accepted, .accepted])

        let exchange = try broker.subscriber(service: "exchange", instance: "x1")
        let order = try broker.subscriber(service: "order", instance: "o1")
        let point = try broker.subscriber(service: "point", instance: "p1")
        let refund = try #require(try nextCommand(exchange))
        #expect(refund.function == "undo-exchange")
        #expect(refund.eventId == "order-1-1")
        #expect(refund.payload == Array("payload-1".utf8))
        #expect(refund.saga == SagaCommandRef(sagaId: "order-1", step: 1, forwardUnknown: 0))
        #expect(refund.lastError.code == "SAGA_COMPENSATE")
        // Step 0 waits for step 1's compensation; the failed step needs none (null compensation).
        #expect(try order.fetch(max: 1, waitMilliseconds: 700).isEmpty)
        #expect(try point.fetch(max: 1, waitMilliseconds: 300).isEmpty)

        let done = result(refund)
        #expect(try reporter.send([done]).map(\.status) == [.accepted])
        #expect(try reporter.send([done]).map(\.status) == [.duplicate])  // the refund's result twice: one refund
        let reject = try #require(try nextCommand(order))
        #expect(reject.saga == SagaCommandRef(sagaId: "order-1", step: 0, forwardUnknown: 0))
        #expect(reject.eventId == "order-1-0")
        #expect(try order.succeeded(reject).status == .accepted)
        #expect(try exchange.fetch(max: 1, waitMilliseconds: 300).isEmpty)  // compensated once
        #expect(broker.stop() == 0)
    }

    @Test("the deadline aborts while a forward is leased: its lease is fenced, its late success is stale, and a forwardUnknown compensation arrives")
    func deadlineFencesLeasedForward() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let reporter = try broker.reporter()
        let deadline = nowMs() + 1500
        _ = try reporter.send([
            forward(.failure, saga: "order-2", step: 0, service: "exchange", deadline: deadline,
                    spec: quickSpec(minBackoffMs: 10, timeoutMs: 60_000)),
        ])
        let exchange = try broker.subscriber(service: "exchange", instance: "x1")
        let retry = try #require(try nextCommand(exchange))
        #expect(retry.function == "do-exchange")
        #expect(retry.saga == nil)  // a forward's retry carries no saga marker
        // The slow forward still holds its lease when the deadline passes: the abort asks its compensation.
        let undo = try #require(try nextCommand(exchange))
        #expect(nowMs() >= deadline)
        #expect(undo.function == "undo-exchange")
        #expect(undo.saga == SagaCommandRef(sagaId: "order-2", step: 0, forwardUnknown: 1))
        // The forward's success arrives late: its token was fenced.
        #expect(try exchange.succeeded(retry).status == .stale)
        #expect(try exchange.succeeded(undo).status == .accepted)
        #expect(try exchange.fetch(max: 1, waitMilliseconds: 500).isEmpty)  // compensated once
        #expect(broker.stop() == 0)
    }

    @Test("a compensation that parks makes the saga STUCK; an operator retry takes it to ABORTING, then COMPENSATED (SagaEvents)")
    func stuckAndRetried() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        let events = try EventSubscriber(connectingTo: broker.events)
        defer { events.close() }
        let reporter = try broker.reporter()
        // A SUB socket misses what is published before it is connected: report probes until one's Event arrives.
        let connected = try eventually(30) {
            _ = try reporter.send([failureRecord(service: "probe", eventId: "probe-\(nowMs())")])
            return try events.receive(timeoutMilliseconds: 200) != nil
        }
        #expect(connected)
        _ = try reporter.send([
            forward(.success, saga: "order-3", step: 0, service: "order",
                    compensationSpec: RetrySpecPatch(maxRetries: 0, jitterPermille: 0)),
            forward(.failure, saga: "order-3", step: 1, service: "point", last: true, recoverable: 2),
        ])
        let order = try broker.subscriber(service: "order", instance: "o1")
        let undo = try #require(try nextCommand(order))
        #expect(try order.failed(undo, error: ErrorDetails(code: "UNDO_FAILED", message: "down")).status == .accepted)
        let admin = try broker.admin()
        #expect(try eventually(10) { try admin.show(undo.executionId).execution.status == 4 })  // PARKED
        #expect(try admin.act(.retryNow, on: .execution(undo.executionId)).changed == 1)
        let again = try #require(try nextCommand(order))
        #expect(again.executionId == undo.executionId)
        #expect(again.saga == SagaCommandRef(sagaId: "order-3", step: 0, forwardUnknown: 0))
        #expect(try order.succeeded(again).status == .accepted)

        var statuses: [UInt8] = []
        _ = try eventually(10) {
            while let bytes = try events.receive(timeoutMilliseconds: 100) {
                if case .sagaEvent(let event) = try FrameCodec.decode(bytes).message, event.sagaId == "order-3" {
                    statuses.append(event.status)
                }
            }
            return statuses.last == 4
        }
        #expect(statuses == [3, 5, 3, 4])  // ABORTING, STUCK, ABORTING, COMPENSATED
        #expect(broker.stop() == 0)
    }

    @Test("kill -9 in the middle of an abort: after the restart it goes on, each compensation dispatched once")
    func killNineDuringAbort() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let broker = BrokerProcess(dataDirectory: directory.path)
        try broker.start()
        _ = try broker.reporter().send([
            forward(.success, saga: "order-4", step: 0, service: "order"),
            forward(.success, saga: "order-4", step: 1, service: "exchange"),
            forward(.success, saga: "order-4", step: 2, service: "point"),
            forward(.failure, saga: "order-4", step: 3, service: "mail", last: true, recoverable: 2),
        ])
        let point = try broker.subscriber(service: "point", instance: "p1")
        let restore = try #require(try nextCommand(point))
        #expect(restore.saga?.step == 2)
        #expect(try point.succeeded(restore).status == .accepted)  // step 2's compensation committed
        #expect(broker.stop(signal: SIGKILL) == SIGKILL)  // before step 1's ran

        let restarted = BrokerProcess(dataDirectory: directory.path, listen: broker.listen, events: broker.events)
        try restarted.start()
        var dispatched: [String: Int] = [:]
        for service in ["exchange", "order"] {
            let subscriber = try restarted.subscriber(service: service, instance: "\(service)-after")
            let command = try #require(try nextCommand(subscriber))
            #expect(command.saga?.sagaId == "order-4")
            dispatched[service, default: 0] += 1
            #expect(try subscriber.succeeded(command).status == .accepted)
        }
        #expect(dispatched == ["exchange": 1, "order": 1])
        for service in ["point", "exchange", "order", "mail"] {
            #expect(try restarted.subscriber(service: service, instance: "check").fetch(max: 5, waitMilliseconds: 300).isEmpty)
        }
        #expect(restarted.stop() == 0)
    }
}
